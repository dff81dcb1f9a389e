#include "store.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace hbsync::simboard {
namespace {

using rapidjson::Value;

constexpr std::array<std::string_view, 47> kPrefectures = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"};

// 定期請求 over more months than this is refused rather than generating
// thousands of invoices from a typo'd end date.
constexpr int kMaxPeriodicInvoices = 120;

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

bool valid_zip(std::string_view zip) {
  if (zip.size() != 8 || zip[3] != '-') return false;
  for (size_t i = 0; i < zip.size(); ++i) {
    if (i != 3 && !std::isdigit(static_cast<unsigned char>(zip[i]))) return false;
  }
  return true;
}

std::optional<int64_t> integer_text(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  size_t start = text[0] == '-' ? 1 : 0;
  if (start == text.size()) return std::nullopt;
  int64_t value = 0;
  for (size_t i = start; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return start ? -value : value;
}

// Reads request fields and collects every validation error, so one 422
// names all of them, as Rails' full_messages do.
class Fields {
 public:
  explicit Fields(const Value& body) : body_(body) {}

  bool has(const char* name) const { return body_.IsObject() && body_.HasMember(name); }

  std::optional<std::string> string(const char* name, const char* label, bool required) {
    const Value* v = get(name);
    if (!v || v->IsNull()) {
      if (required) missing(name, label);
      return std::nullopt;
    }
    if (!v->IsString()) {
      add(std::string(label) + "(" + name + ")は文字列で指定してください");
      return std::nullopt;
    }
    std::string value(v->GetString(), v->GetStringLength());
    if (required && blank(value)) {
      missing(name, label);
      return std::nullopt;
    }
    return value;
  }

  // JSON integers, or integer strings as form-style clients send them
  // (Rails casts both).
  std::optional<int64_t> integer(const char* name, const char* label, bool required) {
    const Value* v = get(name);
    if (!v || v->IsNull() || (v->IsString() && v->GetStringLength() == 0)) {
      if (required) missing(name, label);
      return std::nullopt;
    }
    if (v->IsInt64()) return v->GetInt64();
    if (v->IsString()) {
      if (auto parsed = integer_text(v->GetString())) return parsed;
    }
    add(std::string(label) + "(" + name + ")は整数で指定してください");
    return std::nullopt;
  }

  std::optional<Date> date(const char* name, const char* label, bool required) {
    const Value* v = get(name);
    if (!v || v->IsNull() || (v->IsString() && v->GetStringLength() == 0)) {
      if (required) missing(name, label);
      return std::nullopt;
    }
    if (v->IsString()) {
      if (auto parsed = parse_date(v->GetString())) return parsed;
    }
    add(std::string(label) + "(" + name + ")は日付(YYYY-MM-DD)で指定してください");
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> strings(const char* name, const char* label) {
    const Value* v = get(name);
    if (!v || v->IsNull()) return std::nullopt;
    std::vector<std::string> values;
    bool ok = v->IsArray();
    if (ok) {
      for (const Value& item : v->GetArray()) {
        if (!item.IsString()) {
          ok = false;
          break;
        }
        values.emplace_back(item.GetString(), item.GetStringLength());
      }
    }
    if (!ok) {
      add(std::string(label) + "(" + name + ")は文字列の配列で指定してください");
      return std::nullopt;
    }
    return values;
  }

  // Whole yen: 90000, "90000" or "90000.0".
  std::optional<int64_t> amount(const char* name, const char* label, bool required) {
    const Value* v = get(name);
    if (!v || v->IsNull()) {
      if (required) missing(name, label);
      return std::nullopt;
    }
    std::optional<int64_t> value;
    if (v->IsInt64()) {
      value = v->GetInt64();
    } else if (v->IsString()) {
      std::string_view text(v->GetString(), v->GetStringLength());
      if (text.size() > 2 && text.substr(text.size() - 2) == ".0") text.remove_suffix(2);
      value = integer_text(text);
    }
    if (!value || *value < 0) {
      add(std::string(label) + "(" + name + ")は0以上の金額で指定してください");
      return std::nullopt;
    }
    return value;
  }

  void add(std::string message) { errors_.push_back(std::move(message)); }
  bool ok() const { return errors_.empty(); }
  Failure failure() const {
    std::string message;
    for (const std::string& error : errors_) {
      if (!message.empty()) message += "、";
      message += error;
    }
    return unprocessable(message);
  }

 private:
  const Value* get(const char* name) const {
    if (!body_.IsObject()) return nullptr;
    auto it = body_.FindMember(name);
    return it == body_.MemberEnd() ? nullptr : &it->value;
  }
  void missing(const char* name, const char* label) {
    add(std::string(label) + "(" + name + ")を入力してください");
  }

  const Value& body_;
  std::vector<std::string> errors_;
};

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  auto lower = [](unsigned char c) { return static_cast<char>(std::tolower(c)); };
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [&](char a, char b) { return lower(a) == lower(b); });
  return it != haystack.end();
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && contains_ignoring_case(a, b);
}

bool in(const std::optional<std::vector<int64_t>>& allowed, int64_t value) {
  return !allowed || std::find(allowed->begin(), allowed->end(), value) != allowed->end();
}

// Optional client fields: absent keeps the value, null clears it.
struct OptionalField {
  const char* name;
  const char* label;
  std::optional<std::string> Client::*member;
};
constexpr OptionalField kClientOptionalFields[] = {
    {"zip", "郵便番号", &Client::zip},        {"pref", "都道府県", &Client::pref},
    {"address1", "住所1", &Client::address1}, {"address2", "住所2", &Client::address2},
    {"tel", "電話番号", &Client::tel},        {"fax", "FAX番号", &Client::fax},
    {"title", "敬称", &Client::title},        {"custom_no", "顧客番号", &Client::custom_no},
    {"note", "メモ", &Client::note},
};

void apply_client_fields(Fields& f, Client& client, bool creating) {
  if (creating || f.has("name")) {
    if (auto v = f.string("name", "顧客名", true)) client.name = *v;
  }
  if (creating || f.has("name_disp")) {
    if (auto v = f.string("name_disp", "顧客略称名", true)) client.name_disp = *v;
  }
  for (const OptionalField& field : kClientOptionalFields) {
    if (f.has(field.name)) client.*field.member = f.string(field.name, field.label, false);
  }
  if (client.zip && !client.zip->empty() && !valid_zip(*client.zip)) {
    f.add("郵便番号(zip)はハイフン付きの7桁(例: 150-0001)で入力してください");
  }
  if (client.pref && !client.pref->empty() &&
      std::find(kPrefectures.begin(), kPrefectures.end(), *client.pref) == kPrefectures.end()) {
    f.add("都道府県(pref)は都道府県名(例: 東京都)で入力してください");
  }
  if (f.has("tags")) {
    if (auto v = f.strings("tags", "タグ")) client.tags = *v;
  }
  if (f.has("archive_flg")) {
    auto v = f.integer("archive_flg", "アーカイブフラグ", false);
    if (v && (*v == 0 || *v == 1)) {
      client.archive_flg = static_cast<int>(*v);
    } else if (v) {
      f.add("アーカイブフラグ(archive_flg)は0か1で指定してください");
    }
  }
}

const char* const kInvoiceScheduleFields[] = {"invoice_timing_kbn", "invoice_date", "invoice_dates",
                                              "contract_start_date", "contract_end_date"};

}  // namespace

Outcome<const Account*> Store::add_account(const std::string& api_key) {
  if (api_key.empty()) return bad_request("api_key must be a non-empty string");
  if (accounts_.count(api_key)) return Failure{409, "account already exists"};
  Account& account = accounts_[api_key];
  account.api_key = api_key;
  return &account;
}

const Account* Store::account(const std::string& api_key) const {
  auto it = accounts_.find(api_key);
  return it == accounts_.end() ? nullptr : &it->second;
}

Outcome<const Token*> Store::add_token(const std::string& api_key, Token token) {
  auto it = accounts_.find(api_key);
  if (it == accounts_.end()) return not_found("no such account");
  if (token.token.empty()) return bad_request("token must be a non-empty string");
  for (const auto& [key, account] : accounts_) {
    if (account.tokens.count(token.token)) return Failure{409, "token already exists"};
  }
  for (const std::string& operation : token.operations) {
    const auto& known = all_operations();
    if (operation != "*" && std::find(known.begin(), known.end(), operation) == known.end()) {
      return bad_request("unknown operation: " + operation);
    }
  }
  auto& stored = it->second.tokens[token.token];
  stored = std::move(token);
  return &stored;
}

bool Store::remove_account(const std::string& api_key) {
  if (!accounts_.erase(api_key)) return false;
  std::erase_if(users_, [&](const auto& entry) { return entry.second.account == api_key; });
  std::erase_if(clients_, [&](const auto& entry) { return entry.second.account == api_key; });
  std::erase_if(projects_, [&](const auto& entry) { return entry.second.account == api_key; });
  std::erase_if(invoices_, [&](const auto& entry) { return entry.second.account == api_key; });
  return true;
}

std::vector<std::string> Store::account_keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, account] : accounts_) keys.push_back(key);
  return keys;
}

void Store::clear() {
  accounts_.clear();
  users_.clear();
  clients_.clear();
  projects_.clear();
  invoices_.clear();
  // Ids keep increasing across resets so a stale id never names a new record.
}

Outcome<const User*> Store::add_user(const std::string& api_key, const rapidjson::Value& body) {
  if (!account(api_key)) return not_found("no such account");
  Fields f(body);
  User user;
  user.account = api_key;
  if (auto v = f.string("email", "メールアドレス", true)) user.email = *v;
  if (auto v = f.string("last_name", "姓", true)) user.last_name = *v;
  if (auto v = f.string("first_name", "名", false)) user.first_name = *v;
  if (auto v = f.integer("role_id", "権限ID", false)) user.role_id = static_cast<int>(*v);
  if (auto v = f.string("role_name", "権限名", false)) user.role_name = *v;
  if (auto v = f.integer("valid_flg", "有効フラグ", false)) user.valid_flg = *v ? 1 : 0;
  if (!f.ok()) return f.failure();
  user.id = next_user_id_++;
  user.created_at = user.updated_at = clock_.now();
  return &(users_[user.id] = user);
}

std::vector<const User*> Store::users(const std::string& api_key, const UserFilter& filter) const {
  std::vector<const User*> out;
  for (const auto& [id, user] : users_) {
    if (user.account != api_key) continue;
    if (filter.email_eq && !equals_ignoring_case(user.email, *filter.email_eq)) continue;
    out.push_back(&user);
  }
  return out;
}

Outcome<const Client*> Store::create_client(const std::string& api_key,
                                            const rapidjson::Value& body) {
  Client client;
  client.account = api_key;
  Fields f(body);
  apply_client_fields(f, client, true);
  if (!f.ok()) return f.failure();
  client.id = next_client_id_++;
  client.created_at = client.updated_at = clock_.now();
  return &(clients_[client.id] = client);
}

Outcome<const Client*> Store::update_client(const std::string& api_key, int64_t id,
                                            const rapidjson::Value& body) {
  auto it = clients_.find(id);
  if (it == clients_.end() || it->second.account != api_key) return not_found("Not Found");
  Client changed = it->second;
  Fields f(body);
  apply_client_fields(f, changed, false);
  if (!f.ok()) return f.failure();
  // Like Rails, updated_at moves only when something actually changed.
  if (!(changed == it->second)) {
    changed.updated_at = clock_.now();
    it->second = changed;
  }
  return &it->second;
}

Outcome<const Client*> Store::client(const std::string& api_key, int64_t id) const {
  auto it = clients_.find(id);
  if (it == clients_.end() || it->second.account != api_key) return not_found("Not Found");
  return &it->second;
}

Outcome<bool> Store::delete_client(const std::string& api_key, int64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end() || it->second.account != api_key) return not_found("Not Found");
  for (const auto& [pid, project] : projects_) {
    if (project.client_id == id) return unprocessable("案件が登録されている顧客は削除できません");
  }
  clients_.erase(it);
  return true;
}

std::vector<const Client*> Store::clients(const std::string& api_key,
                                          const ClientFilter& filter) const {
  std::vector<const Client*> out;
  for (const auto& [id, client] : clients_) {
    if (client.account != api_key) continue;
    if (!filter.include_archived && client.archive_flg) continue;
    if (filter.name_cont && !contains_ignoring_case(client.name, *filter.name_cont)) continue;
    if (filter.name_disp_cont &&
        !contains_ignoring_case(client.name_disp, *filter.name_disp_cont)) {
      continue;
    }
    if (filter.custom_no_eq && client.custom_no != filter.custom_no_eq) continue;
    if (!filter.updated_at.contains(client.updated_at)) continue;
    out.push_back(&client);
  }
  return out;
}

Outcome<const Project*> Store::create_project(const std::string& api_key,
                                              const rapidjson::Value& body) {
  auto account_it = accounts_.find(api_key);
  if (account_it == accounts_.end()) return not_found("no such account");
  Fields f(body);
  Project project;
  project.account = api_key;
  if (auto v = f.string("name", "案件名", true)) project.name = *v;
  if (auto v = f.integer("client_id", "顧客ID", true)) {
    auto client = clients_.find(*v);
    if (client == clients_.end() || client->second.account != api_key) {
      f.add("顧客(client_id)が存在しません");
    } else {
      project.client_id = *v;
    }
  }
  if (auto v = f.integer("user_id", "担当者ID", true)) {
    auto user = users_.find(*v);
    if (user == users_.end() || user->second.account != api_key) {
      f.add("担当者(user_id)が存在しません");
    } else {
      project.user_id = *v;
    }
  }
  if (auto v = f.integer("order_status", "受注ステータス", true)) {
    if (valid_order_status(*v)) {
      project.order_status = static_cast<int>(*v);
    } else {
      f.add("受注ステータス(order_status)は1,2,3,8,4,5,9のいずれかで指定してください");
    }
  }
  std::vector<Date> invoice_dates;
  if (auto kbn = f.integer("invoice_timing_kbn", "請求タイミング", true)) {
    project.invoice_timing_kbn = static_cast<int>(*kbn);
    if (*kbn == 1) {
      if (auto d = f.date("invoice_date", "請求日", true)) invoice_dates.push_back(*d);
    } else if (*kbn == 2) {
      auto start = f.date("contract_start_date", "契約開始日", true);
      auto end = f.date("contract_end_date", "契約終了日", true);
      if (start && end) {
        if (*end < *start) {
          f.add(
              "契約終了日(contract_end_date)は契約開始日(contract_start_date)"
              "以降の日付にしてください");
        } else {
          for (int i = 0;; ++i) {
            Date d = add_months(*start, i);
            if (d > *end) break;
            if (i >= kMaxPeriodicInvoices) {
              f.add("契約期間が長すぎます(最大" + std::to_string(kMaxPeriodicInvoices) + "か月)");
              break;
            }
            invoice_dates.push_back(d);
          }
          project.contract_start_date = start;
          project.contract_end_date = end;
        }
      }
    } else if (*kbn == 3) {
      if (!f.has("invoice_dates")) {
        f.add("請求日(invoice_dates)を入力してください");
      } else if (auto texts = f.strings("invoice_dates", "請求日")) {
        for (const std::string& text : *texts) {
          auto d = parse_date(text);
          if (!d) {
            f.add("請求日(invoice_dates)は日付(YYYY-MM-DD)の配列で指定してください");
            break;
          }
          invoice_dates.push_back(*d);
        }
        if (texts->empty()) f.add("請求日(invoice_dates)を入力してください");
      }
    } else {
      f.add("請求タイミング(invoice_timing_kbn)は1,2,3のいずれかで指定してください");
    }
  }
  project.management_no = f.string("management_no", "管理番号", false);
  Date today = jst_date(clock_.now());
  project.estimate_date = f.date("estimate_date", "見積日", false).value_or(today);
  project.ordered_date = f.date("ordered_date", "受注日", false);
  project.delivery_date = f.date("delivery_date", "納品日", false);
  project.contact_id = f.integer("contact_id", "担当者連絡先ID", false);
  project.tags = f.strings("tags", "タグ").value_or(std::vector<std::string>{});
  project.in_house_memo = f.string("in_house_memo", "社内メモ", false);
  if (!f.ok()) return f.failure();

  Seconds now = clock_.now();
  project.id = next_project_id_++;
  project.project_no = account_it->second.next_project_no++;
  project.created_at = project.updated_at = now;
  Project& stored = projects_[project.id] = project;
  std::sort(invoice_dates.begin(), invoice_dates.end());
  for (Date d : invoice_dates) add_invoice_record(stored, d, 0, 1, now);
  return &stored;
}

Outcome<const Project*> Store::update_project(const std::string& api_key, int64_t id,
                                              const rapidjson::Value& body) {
  Project* project = find_project(api_key, id);
  if (!project) return not_found("Not Found");
  Fields f(body);
  for (const char* name : kInvoiceScheduleFields) {
    if (f.has(name)) f.add(std::string("請求タイミング・請求日(") + name + ")は変更できません");
  }
  if (f.has("order_status")) {
    f.add("受注ステータス(order_status)は受注ステータス更新APIで変更してください");
  }
  Project changed = *project;
  if (f.has("name")) {
    if (auto v = f.string("name", "案件名", true)) changed.name = *v;
  }
  if (f.has("client_id")) {
    if (auto v = f.integer("client_id", "顧客ID", true)) {
      auto client = clients_.find(*v);
      if (client == clients_.end() || client->second.account != api_key) {
        f.add("顧客(client_id)が存在しません");
      } else {
        changed.client_id = *v;
      }
    }
  }
  if (f.has("user_id")) {
    if (auto v = f.integer("user_id", "担当者ID", true)) {
      auto user = users_.find(*v);
      if (user == users_.end() || user->second.account != api_key) {
        f.add("担当者(user_id)が存在しません");
      } else {
        changed.user_id = *v;
      }
    }
  }
  if (f.has("management_no")) changed.management_no = f.string("management_no", "管理番号", false);
  if (f.has("estimate_date")) {
    if (auto v = f.date("estimate_date", "見積日", true)) changed.estimate_date = *v;
  }
  if (f.has("ordered_date")) changed.ordered_date = f.date("ordered_date", "受注日", false);
  if (f.has("delivery_date")) changed.delivery_date = f.date("delivery_date", "納品日", false);
  if (f.has("contact_id")) changed.contact_id = f.integer("contact_id", "担当者連絡先ID", false);
  if (f.has("tags")) changed.tags = f.strings("tags", "タグ").value_or(std::vector<std::string>{});
  if (f.has("in_house_memo")) changed.in_house_memo = f.string("in_house_memo", "社内メモ", false);
  if (!f.ok()) return f.failure();
  if (!(changed == *project)) {
    changed.updated_at = clock_.now();
    *project = changed;
  }
  return project;
}

Outcome<const Project*> Store::set_order_status(const std::string& api_key, int64_t id,
                                                const rapidjson::Value& body) {
  Project* project = find_project(api_key, id);
  if (!project) return not_found("Not Found");
  Fields f(body);
  auto status = f.integer("order_status", "受注ステータス", true);
  if (status && !valid_order_status(*status)) {
    f.add("受注ステータス(order_status)は1,2,3,8,4,5,9のいずれかで指定してください");
  }
  if (!f.ok()) return f.failure();
  if (project->order_status != *status) {
    project->order_status = static_cast<int>(*status);
    project->updated_at = clock_.now();
  }
  return project;
}

Outcome<const Project*> Store::project(const std::string& api_key, int64_t id) const {
  auto it = projects_.find(id);
  if (it == projects_.end() || it->second.account != api_key) return not_found("Not Found");
  return &it->second;
}

Outcome<bool> Store::delete_project(const std::string& api_key, int64_t id) {
  if (!find_project(api_key, id)) return not_found("Not Found");
  projects_.erase(id);
  std::erase_if(invoices_, [id](const auto& entry) { return entry.second.project_id == id; });
  return true;
}

std::vector<const Project*> Store::projects(const std::string& api_key,
                                            const ProjectFilter& filter) const {
  std::vector<const Project*> out;
  for (auto it = projects_.rbegin(); it != projects_.rend(); ++it) {
    const Project& p = it->second;
    if (p.account != api_key) continue;
    if (!filter.include_lost && p.order_status == kOrderStatusLost) continue;
    if (filter.name_cont && !contains_ignoring_case(p.name, *filter.name_cont)) continue;
    if (filter.client_id_eq && p.client_id != *filter.client_id_eq) continue;
    if (!in(filter.order_status_in, p.order_status)) continue;
    if (filter.management_no_eq && p.management_no != filter.management_no_eq) continue;
    if (filter.project_no_eq && p.project_no != *filter.project_no_eq) continue;
    if (!filter.created_at.contains(p.created_at) || !filter.updated_at.contains(p.updated_at)) {
      continue;
    }
    out.push_back(&p);
  }
  return out;
}

std::vector<const Invoice*> Store::invoices(const std::string& api_key,
                                            const InvoiceFilter& filter) const {
  std::vector<const Invoice*> out;
  for (auto it = invoices_.rbegin(); it != invoices_.rend(); ++it) {
    const Invoice& invoice = it->second;
    if (invoice.account != api_key) continue;
    const Project& project = projects_.at(invoice.project_id);
    if (filter.project_project_no_eq && project.project_no != *filter.project_project_no_eq) {
      continue;
    }
    if (filter.project_client_id_eq && project.client_id != *filter.project_client_id_eq) continue;
    if (!in(filter.invoice_status_in, invoice.invoice_status)) continue;
    if (!in(filter.project_order_status_in, project.order_status)) continue;
    if (!filter.invoice_date.contains(invoice.invoice_date)) continue;
    if (!filter.updated_at.contains(invoice.updated_at)) continue;
    out.push_back(&invoice);
  }
  return out;
}

std::optional<std::string> Store::account_of_project(int64_t project_id) const {
  auto it = projects_.find(project_id);
  if (it == projects_.end()) return std::nullopt;
  return it->second.account;
}

std::optional<std::string> Store::account_of_invoice(int64_t invoice_id) const {
  auto it = invoices_.find(invoice_id);
  if (it == invoices_.end()) return std::nullopt;
  return it->second.account;
}

Outcome<const Project*> Store::set_total(int64_t project_id, const rapidjson::Value& body) {
  auto it = projects_.find(project_id);
  if (it == projects_.end()) return not_found("no such project");
  Fields f(body);
  auto total = f.amount("total", "見積額", true);
  if (!f.ok()) return f.failure();
  Project& project = it->second;
  if (project.total != *total) {
    Seconds now = clock_.now();
    project.total = *total;
    project.updated_at = now;
    spread_total(project, now);
  }
  return &project;
}

Outcome<const Invoice*> Store::add_invoice(int64_t project_id, const rapidjson::Value& body) {
  auto it = projects_.find(project_id);
  if (it == projects_.end()) return not_found("no such project");
  Fields f(body);
  auto date = f.date("invoice_date", "請求日", true);
  int64_t total = f.amount("total", "請求額", false).value_or(0);
  int64_t status = f.integer("invoice_status", "請求ステータス", false).value_or(1);
  if (!valid_invoice_status(status)) {
    f.add("請求ステータス(invoice_status)は1,4,2,5,3,9のいずれかで指定してください");
  }
  if (!f.ok()) return f.failure();
  Seconds now = clock_.now();
  // The project's invoice_dates and invoice_total change with it.
  it->second.updated_at = now;
  add_invoice_record(it->second, *date, total, static_cast<int>(status), now);
  return &invoices_.rbegin()->second;
}

Outcome<const Invoice*> Store::set_invoice_status(int64_t invoice_id,
                                                  const rapidjson::Value& body) {
  auto it = invoices_.find(invoice_id);
  if (it == invoices_.end()) return not_found("no such invoice");
  Fields f(body);
  auto status = f.integer("invoice_status", "請求ステータス", true);
  if (status && !valid_invoice_status(*status)) {
    f.add("請求ステータス(invoice_status)は1,4,2,5,3,9のいずれかで指定してください");
  }
  auto paid_date = f.date("paid_date", "入金日", false);
  if (!f.ok()) return f.failure();
  Invoice changed = it->second;
  changed.invoice_status = static_cast<int>(*status);
  bool paid = *status == 3 || *status == 5;
  changed.paid_date = paid ? paid_date.value_or(changed.paid_date.value_or(jst_date(clock_.now())))
                           : std::optional<Date>{};
  if (!(changed == it->second)) {
    changed.updated_at = clock_.now();
    it->second = changed;
  }
  return &it->second;
}

void Store::write(JsonWriter& w, const Project& project) const {
  auto client = clients_.find(project.client_id);
  auto user = users_.find(project.user_id);
  write_project(w, project, client == clients_.end() ? nullptr : &client->second,
                user == users_.end() ? nullptr : &user->second, invoices_of(project.id));
}

void Store::write(JsonWriter& w, const Invoice& invoice) const {
  write_invoice(w, invoice, projects_.at(invoice.project_id));
}

Project* Store::find_project(const std::string& api_key, int64_t id) {
  auto it = projects_.find(id);
  if (it == projects_.end() || it->second.account != api_key) return nullptr;
  return &it->second;
}

std::vector<const Invoice*> Store::invoices_of(int64_t project_id) const {
  std::vector<const Invoice*> out;
  for (const auto& [id, invoice] : invoices_) {
    if (invoice.project_id == project_id) out.push_back(&invoice);
  }
  return out;
}

void Store::spread_total(Project& project, Seconds now) {
  int64_t billed = 0;
  std::vector<Invoice*> open;
  for (auto& [id, invoice] : invoices_) {
    if (invoice.project_id != project.id) continue;
    if (invoice.invoice_status == 1 || invoice.invoice_status == 4) {
      open.push_back(&invoice);
    } else {
      billed += invoice.total;
    }
  }
  if (open.empty()) return;
  int64_t rest = std::max<int64_t>(0, project.total - billed);
  int64_t share = rest / static_cast<int64_t>(open.size());
  int64_t remainder = rest - share * static_cast<int64_t>(open.size());
  for (size_t i = 0; i < open.size(); ++i) {
    int64_t total = share + (i == 0 ? remainder : 0);
    if (open[i]->total != total) {
      open[i]->total = total;
      open[i]->updated_at = now;
    }
  }
}

void Store::add_invoice_record(const Project& project, Date date, int64_t total, int status,
                               Seconds now) {
  Invoice invoice;
  invoice.id = next_invoice_id_++;
  invoice.account = project.account;
  invoice.project_id = project.id;
  invoice.total = total;
  invoice.invoice_date = date;
  invoice.payment_limit_date = end_of_next_month(date);
  invoice.invoice_status = status;
  if (status == 3 || status == 5) invoice.paid_date = jst_date(now);
  invoice.created_at = invoice.updated_at = now;
  invoices_[invoice.id] = invoice;
}

}  // namespace hbsync::simboard
