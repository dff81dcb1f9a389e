// hbsync-ctl tenant ...: provisioning tenants from tenant.json (issue 4), the
// way platform teams keep tenants in Git and tests and the demo set them up.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "ctl.hpp"
#include "hbsync/board/api.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "hbsync/tenant/settings.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::ctl {
namespace {

std::string read_input(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UsageError("cannot read " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

int64_t parse_version(const std::string& text) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  throw UsageError("--expect-version must be a whole number >= 0 (0 = the tenant must not exist)");
}

const std::string& tenant_id_arg(const Args& args, const char* command) {
  if (args.positional.size() != 1) {
    throw UsageError(std::string("tenant ") + command + " takes exactly one tenant id");
  }
  // A malformed id can never exist; saying so beats a misleading "not found".
  if (!tenant::is_valid_tenant_id(args.positional[0])) {
    throw UsageError("\"" + args.positional[0] +
                     "\" is not a tenant id (a HubSpot portal id: digits, no leading zero)");
  }
  return args.positional[0];
}

void no_positionals(const Args& args, const char* command) {
  if (!args.positional.empty()) {
    throw UsageError(std::string("tenant ") + command + " takes no arguments, got \"" +
                     args.positional[0] + "\"");
  }
}

// The tenant's board users, stored for the mapper (tenant/board_users.hpp) so
// that its first deal needs no users list call. A failure leaves the tenant
// applied: the mapper then reads the users with the tenant's first deal.
void store_board_users(const Environment& env, redis::Client& redis, tenant::Store& store,
                       const std::string& tenant_id) {
  const char* later = "; the mapper reads them with the tenant's first deal\n";
  try {
    auto settings = store.get(tenant_id);
    if (!settings) return;
    // Best effort: an apply never waits long on board (capped, whatever
    // HBSYNC_BOARD_* say).
    board::Options options = env.board;
    options.timeout = std::min(options.timeout, std::chrono::milliseconds(10000));
    options.max_rate_wait = std::min(options.max_rate_wait, std::chrono::milliseconds(10000));
    options.retry.max_elapsed =
        std::min(options.retry.max_elapsed, std::chrono::milliseconds(20000));
    http::Client http;
    board::Api api(options, http, redis);
    auto listed = api.account(settings->tenant_id, {.api_key = settings->board.api_key,
                                                    .api_token = settings->board.api_token})
                      .list_all_users();
    if (!listed) {
      std::cerr << "board users not stored (GET /v1/users: "
                << board::to_string(listed.error().kind) << ", HTTP " << listed.error().status
                << ")" << later;
      return;
    }
    tenant::BoardUsers users{.users = {}, .fetched_at_ms = now_ms()};
    for (const auto& u : *listed) {
      users.users.push_back({.id = u.id, .email = u.email, .valid = u.valid});
    }
    tenant::save_board_users(redis, env.keyring, tenant_id, users);
    std::cout << "board users stored (" << users.users.size() << ")\n";
  } catch (const std::exception& e) {
    std::cerr << "board users not stored (" << e.what() << ")" << later;
  }
}

int apply(const Args& args) {
  auto file = args.value("--file");
  if (!file || file->empty()) throw UsageError("tenant apply needs -f FILE (or -f - for stdin)");
  no_positionals(args, "apply");
  std::optional<int64_t> expected;
  if (auto v = args.value("--expect-version")) expected = parse_version(*v);
  const std::string json = read_input(*file);

  Environment env = load_environment(true);
  redis::Client redis(env.redis);
  tenant::Store store(redis, env.keyring);
  const tenant::PutResult result = store.apply_json(json, expected);
  if (!result.ok()) {
    std::cerr << "tenant not applied (" << result.errors.size() << " problem"
              << (result.errors.size() == 1 ? "" : "s") << " in " << *file << "):\n";
    for (const auto& e : result.errors) {
      std::cerr << "  " << (e.field.empty() ? "(document)" : e.field) << " [" << e.code << "] "
                << e.message << "\n";
    }
    return kFailed;
  }
  // apply_json succeeded, so the document parses and names a valid id.
  const std::string id = tenant::from_json(json).settings.tenant_id;
  std::cout << "tenant " << id << " applied (version " << result.version << ")\n";
  store_board_users(env, redis, store, id);
  return kOk;
}

int get(const Args& args) {
  const std::string& id = tenant_id_arg(args, "get");
  Environment env = load_environment(true);
  redis::Client redis(env.redis);
  tenant::Store store(redis, env.keyring);
  auto settings = store.get(id);
  if (!settings) {
    std::cerr << "tenant " << id << " not found\n";
    return kNotFound;
  }
  std::cout << tenant::to_json(*settings, tenant::Redaction::mask) << "\n";
  return kOk;
}

int list(const Args& args) {
  no_positionals(args, "list");
  Environment env = load_environment(false);
  redis::Client redis(env.redis);
  tenant::Store store(redis, env.keyring);
  const auto ids = store.list();
  if (args.has("--json")) {
    // Tenant ids are digits only, so they need no escaping.
    std::cout << "[";
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? ", " : "") << '"' << ids[i] << '"';
    std::cout << "]\n";
  } else {
    for (const auto& id : ids) std::cout << id << "\n";
  }
  return kOk;
}

int remove(const Args& args) {
  const std::string& id = tenant_id_arg(args, "remove");
  if (!args.has("--yes")) {
    throw UsageError("tenant remove deletes tenant " + id +
                     "'s settings and credentials; add --yes to confirm");
  }
  Environment env = load_environment(false);
  redis::Client redis(env.redis);
  tenant::Store store(redis, env.keyring);
  if (!store.remove(id)) {
    std::cerr << "tenant " << id << " not found\n";
    return kNotFound;
  }
  // The board users' e-mails (sealed) go with the credentials.
  redis.command({"DEL", tenant::board_users_key(id)}).throw_if_error();
  std::cout << "tenant " << id << " removed\n";
  return kOk;
}

int rotate_keys(const Args& args) {
  no_positionals(args, "rotate-keys");
  Environment env = load_environment(true);
  redis::Client redis(env.redis);
  tenant::Store store(redis, env.keyring);
  const int count = store.rotate_keys();
  std::cout << "re-encrypted " << count << " secret" << (count == 1 ? "" : "s") << " with key "
            << env.keyring.active_key_id() << "\n";
  return kOk;
}

}  // namespace

std::string tenant_help() {
  return R"txt(Usage: hbsync-ctl tenant <command> [options]

Commands:
  apply -f FILE [--expect-version N]
                  Create or update a tenant from tenant.json (FILE, or - for
                  stdin; format: libs/tenant/README.md). Validates first: every
                  problem is printed with its field path and nothing is saved.
                  Credentials omitted or given as "(set)" keep the stored value.
                  --expect-version N saves only if the stored version is N
                  (0 = the tenant must not exist yet). Then reads the tenant's
                  board users (GET /v1/users, HBSYNC_BOARD_API_URL) and stores
                  them sealed for the mapper; when board cannot be asked
                  (giving up after about 20 s), says so on stderr and still
                  exits 0 (the mapper reads them with the first deal).
  get ID          Print the tenant's settings as JSON, credentials and the
                  installing user's e-mail shown only as "(set)"/"(not set)".
  list [--json]   Tenant ids, one per line (or a JSON array).
  remove ID --yes Delete the tenant's settings, credentials and stored board
                  users.
  rotate-keys     Re-encrypt every credential not written with the active key
                  (HBSYNC_ENCRYPTION_ACTIVE_KEY); prints how many. Once it
                  prints 0, old keys can be dropped from HBSYNC_ENCRYPTION_KEYS.
)txt";
}

int tenant_main(std::span<const std::string> argv) {
  const std::vector<OptionSpec> specs = {{"--file", "-f", true},
                                         {"--expect-version", "", true},
                                         {"--json", "", false},
                                         {"--yes", "-y", false}};
  if (argv.empty())
    throw UsageError("tenant needs a command: apply, get, list, remove, rotate-keys");
  const std::string& command = argv[0];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << tenant_help();
    return kOk;
  }
  Args args = parse_args(argv.subspan(1), specs);
  if (args.help) {
    std::cout << tenant_help();
    return kOk;
  }
  // Options are accepted only where they mean something, so a misplaced one
  // (--yes on apply) is a mistake reported, not silently ignored.
  auto only = [&](std::initializer_list<const char*> allowed) {
    for (const auto& [name, value] : args.options) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || name == a;
      if (!ok) throw UsageError(name + " does not apply to tenant " + command);
    }
  };
  if (command == "apply") {
    only({"--file", "--expect-version"});
    return apply(args);
  }
  if (command == "get") {
    only({});
    return get(args);
  }
  if (command == "list") {
    only({"--json"});
    return list(args);
  }
  if (command == "remove") {
    only({"--yes"});
    return remove(args);
  }
  if (command == "rotate-keys") {
    only({});
    return rotate_keys(args);
  }
  throw UsageError("unknown tenant command \"" + command +
                   "\" (apply, get, list, remove, rotate-keys)");
}

}  // namespace hbsync::ctl
