// The SAX parser (event_parser.cpp) against the DOM parser it replaced
// (event_parser_reference.cpp), over generated bodies: HubSpot-like events
// with fields in random order, duplicates, nulls, numeric strings, unknown
// nested members, deep nesting, escapes and bad UTF-8, then truncated and
// mutated. Every body must get the same answer: accepted or not, the same
// reason and message, the same events byte for byte.
#include <gtest/gtest.h>

#include <array>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "event_fields.hpp"
#include "event_parser.hpp"
#include "event_parser_reference.hpp"

namespace hbsync::ingress {
namespace {

// The member names the generated events use: HubSpot's, as the parser knows them.
constexpr const auto& kFields = kFieldNames;

// Ids as HubSpot sends them (the first kCleanIds), and everything else that
// may come instead.
constexpr size_t kCleanIds = 8;
constexpr std::array<const char*, 26> kIds = {"1",
                                              "62515",
                                              "1246965",
                                              "\"1246966\"",
                                              "9007199254740993",
                                              "8999999999999999.0",
                                              "1.0",
                                              "9223372036854775807",
                                              "\"-5\"",
                                              "\" 12\"",
                                              "\"12a\"",
                                              "\"\"",
                                              "0",
                                              "-7",
                                              "1.5",
                                              "1e3",
                                              "-0.0",
                                              "1e400",
                                              "-22999999e308",
                                              "9223372036854775808",
                                              "18446744073709551615",
                                              "null",
                                              "true",
                                              "[]",
                                              "{}",
                                              "\"9223372036854775808\""};

// String contents (between the quotes): subscription types first
// (kTypes), then other plain texts (up to kCleanTexts), then escapes and
// bad UTF-8.
constexpr size_t kTypes = 5;
constexpr size_t kCleanTexts = 16;
constexpr std::array<const char*, 28> kTexts = {"deal.propertyChange",
                                                "deal.creation",
                                                "deal.merge",
                                                "deal.associationChange",
                                                "company.associationChange",
                                                "dealstage",
                                                "pipeline",
                                                "hubspot_owner_id",
                                                "dealname",
                                                "closedwon",
                                                "CRM_UI",
                                                "",
                                                "nodot",
                                                "DEAL_TO_COMPANY",
                                                "\\u00e9\\ud83d\\ude00 \xe6\x97\xa5",
                                                "\\n\\t\\\"\\\\\\/",
                                                "a\\u0000b",
                                                "\\udc00",
                                                "\\ud800",
                                                "\\ud800\\udc00",
                                                "\xff\xfe",
                                                "\xc0\x80",
                                                "\xed\xa0\x80",
                                                "\xf4\x90\x80\x80",
                                                "\xe6\x97",
                                                "\\u12",
                                                "deal.\\u0070ipeline",
                                                "x.y"};

class BodyGen {
 public:
  explicit BodyGen(uint64_t seed) : rng_(seed) {}

  std::string body() {
    hostile_ = chance(40);
    std::string out = chance(2) ? "\xEF\xBB\xBF" : "";
    if (chance(3)) return out + value(0);  // not an array (or a nested one)
    const size_t n = chance(5) ? 99 + pick(4) : pick(8);
    out += "[";
    for (size_t i = 0; i < n; ++i) {
      if (i) out += space() + ",";
      out += space() + (chance(hostile_ ? 4 : 0) ? value(1) : event());
    }
    return out + space() + "]" + space();
  }

  // A truncation, or 1-4 changed, inserted or deleted bytes.
  std::string mutate(std::string body) {
    if (body.empty()) return body;
    if (chance(30)) return body.substr(0, pick(body.size()));
    for (size_t k = 0, edits = 1 + pick(4); k < edits; ++k) {
      const size_t at = pick(body.size());
      const char byte = chance(10) ? '\0' : static_cast<char>(pick(256));
      switch (pick(3)) {
        case 0:
          body[at] = byte;
          break;
        case 1:
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), byte);
          break;
        default:
          if (body.size() > 1) body.erase(at, 1);
      }
    }
    return body;
  }

 private:
  bool chance(uint64_t percent) { return pick(100) < percent; }
  size_t pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  std::string space() { return chance(10) ? std::string(" \n\t\r").substr(pick(4), 1) : ""; }
  // A string: with escapes, bad UTF-8 and the like only in hostile bodies.
  std::string text() {
    const size_t n = hostile_ ? kTexts.size() : kCleanTexts;
    return "\"" + std::string(kTexts[pick(n)]) + "\"";
  }
  std::string type() { return hostile_ ? text() : "\"" + std::string(kTexts[pick(kTypes)]) + "\""; }
  std::string id() { return kIds[pick(hostile_ ? kIds.size() : kCleanIds)]; }

  std::string name() {
    if (chance(5)) return chance(50) ? "\"portal\\u0049d\"" : "\"portalID\"";
    if (chance(5)) return text();
    return "\"" + std::string(kFields[pick(kFields.size())]) + "\"";
  }

  // Any JSON value, nested up to `depth` levels (sometimes past the limit).
  std::string value(int depth) {
    if (depth < 4 || chance(2)) {
      if (chance(30)) return container(depth + 1);
      if (hostile_ && chance(3)) {
        return std::string(60 + pick(10), '[') + std::string(60 + pick(10), ']');
      }
    }
    return chance(50) ? id() : text();
  }

  std::string container(int depth) {
    const bool object = chance(50);
    std::string out = object ? "{" : "[";
    for (size_t i = 0, n = pick(4); i < n; ++i) {
      if (i) out += ",";
      if (object) out += name() + ":";
      out += value(depth);
    }
    return out + (object ? "}" : "]");
  }

  std::string merged_ids() {
    std::string out = "[";
    for (size_t i = 0, n = pick(4); i < n; ++i) {
      if (i) out += ",";
      out += chance(80) ? id() : value(3);
    }
    return out + "]";
  }

  // A HubSpot-like event: the required fields most of the time, fields in
  // random order, some twice, some null, some unknown and nested.
  std::string event() {
    std::vector<std::string> members;
    auto add = [&](const std::string& name, const std::string& value) {
      members.push_back("\"" + name + "\":" + space() + value);
    };
    const uint64_t missing = hostile_ ? 5 : 0;
    if (!chance(missing)) add("portalId", chance(80) ? "62515" : id());
    if (!chance(missing)) add(chance(80) ? "subscriptionType" : "eventType", type());
    if (!chance(missing)) add("occurredAt", chance(80) ? "1700000000000" : id());
    if (!chance(missing)) add(chance(80) ? "objectId" : "fromObjectId", id());
    for (size_t i = 0, n = pick(8); i < n; ++i) {
      const std::string field(kFields[pick(kFields.size())]);
      if (field == "mergedObjectIds") {
        add(field, chance(80) ? merged_ids() : value(2));
      } else if (field.starts_with("association") || field.starts_with("isPrimary")) {
        add(field, chance(70) ? (chance(50) ? "true" : "false") : value(2));
      } else if (field.ends_with("Type") && !field.starts_with("assoc")) {
        add(field, type());
      } else {
        add(field, chance(10) ? "null" : (chance(50) ? id() : text()));
      }
    }
    for (size_t i = 0, n = pick(3); i < n; ++i) members.push_back(name() + ":" + value(2));
    std::shuffle(members.begin(), members.end(), rng_);
    std::string out = "{";
    for (size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + space() + members[i];
    return out + "}";
  }

  std::mt19937_64 rng_;
  bool hostile_ = false;
};

// The difference between the two parses of `body`, "" when there is none.
std::string difference(const std::string& body) {
  const ParseResult got = parse_events(body, 1700000000123);
  const reference::Result want = reference::parse_events(body, 1700000000123);
  if (got.ok != want.ok) {
    return "ok " + std::to_string(got.ok) + " vs " + std::to_string(want.ok) + " ('" + got.error +
           "' vs '" + want.error + "')";
  }
  if (got.reason != want.reason) return "reason " + got.reason + " vs " + want.reason;
  if (got.error != want.error) return "error '" + got.error + "' vs '" + want.error + "'";
  if (got.events.size() != want.events.size()) return "event count";
  for (size_t i = 0; i < got.events.size(); ++i) {
    // The record's own wire format against protobuf's serialisation of the
    // message the reference built.
    const std::string bytes = encode(got.events[i].event);
    if (bytes != want.events[i].event->SerializeAsString()) {
      v1::HubSpotEvent back;
      back.ParseFromString(bytes);
      return "event " + std::to_string(i) + ": " + back.ShortDebugString() + " vs " +
             want.events[i].event->ShortDebugString();
    }
  }
  return "";
}

std::string outcome(const ParseResult& r) {
  return r.ok ? "ok" : r.reason;
}

TEST(EventParserDiffTest, SameAnswerAsTheDomParserOnGeneratedBodies) {
  BodyGen gen(20261206);
  std::map<std::string, int> outcomes;
  int events = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string body = gen.body();
    for (const std::string& b : {body, gen.mutate(body), gen.mutate(body)}) {
      const std::string diff = difference(b);
      ASSERT_EQ(diff, "") << "body (" << b.size() << " bytes): " << b;
      const ParseResult r = parse_events(b, 0);
      ++outcomes[outcome(r)];
      events += static_cast<int>(r.events.size());
    }
  }
  std::string summary;
  for (const auto& [o, n] : outcomes) summary += o + " " + std::to_string(n) + ", ";
  std::cout << "outcomes: " << summary << events << " events accepted\n";
  // The generator reaches every outcome often enough to compare it.
  for (const char* o : {"ok", "malformed", "json_syntax", "json_encoding", "json_too_deep"}) {
    EXPECT_GE(outcomes[o], 100) << o;
  }
  EXPECT_GE(events, 3000);
}

// Bodies written out: what the generator may miss.
TEST(EventParserDiffTest, SameAnswerOnEdgeCases) {
  const std::string ok_event =
      R"({"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1})";
  std::vector<std::string> bodies = {
      "",
      " ",
      "[]",
      "{}",
      "null",
      "1",
      "\"x\"",
      "[1,]",
      "[] []",
      std::string("[]\0", 3),
      std::string("[\0]", 3),
      std::string("[]\0x", 4),
      "\xEF\xBB\xBF[]",
      "\xEF\xBB[]",
      "[" + ok_event + "]" + std::string(1, '\0'),
      "[" + ok_event + "," + ok_event + "]",
      "[" + ok_event + ",1]",
      "[1," + ok_event + "]",
      "[" + ok_event + ",[]]",
      "[" + ok_event + "," + ok_event.substr(0, 40) + "]",
      "[\"\\udc00\"]",
      "[\"\\ud800\"]",
      "[\"\\ud800\\udc00\"]",
      "[\"\\ud800\\u0041\"]",
      "[\"\xff\"",
      "[1e400]",
      "[-1e400]",
      "[\"\xff\"] x",
      "x [\"\xff\"]",
      "[{\"\xc3\":1}]",
      std::string(64, '[') + std::string(64, ']'),
      std::string(65, '[') + std::string(65, ']'),
      std::string(65, '[') + "\"\xff\"",
      std::string(64, '[') + "\"\xff\"",
      "[" + ok_event.substr(0, ok_event.size() - 1) +
          ",\"mergedObjectIds\":[1,\"2\",[3],null,4.0]}]",
      "[" + ok_event.substr(0, ok_event.size() - 1) + ",\"mergedObjectIds\":{\"a\":1}}]",
      "[" + ok_event.substr(0, ok_event.size() - 1) + ",\"mergedObjectIds\":null," +
          "\"mergedObjectIds\":[5]}]"};
  std::string many = "[";
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + (i == 3 ? std::string("7") : ok_event);
  bodies.push_back(many + "]");
  bodies.push_back(many + "]]");
  for (const auto& body : bodies) EXPECT_EQ(difference(body), "") << body;
}

}  // namespace
}  // namespace hbsync::ingress
