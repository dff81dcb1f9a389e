#include "event_parser.hpp"

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "event_fields.hpp"
#include "hbsync/json/lenient.hpp"
#include "hbsync/json/parse.hpp"

namespace hbsync::ingress {
namespace {

using Value = rapidjson::Value;

// Levels of nesting: the root array is 1, an event 2, its members' values 3.
constexpr size_t kRoot = 1;
constexpr size_t kEvent = 2;
constexpr size_t kMember = 3;

// Bytes readable past the end of any string the parser hands over: the
// thread's copy of the body is padded with them.
constexpr size_t kPadding = 8;

// Whether a decoded string is well-formed UTF-8. Decoded, its \u escapes
// are UTF-8 too: a lone low surrogate escape (RapidJSON writes 0xED
// 0xB0-0xBF) fails here as the prescan refuses it; raw bytes are copied
// as they are, and an escape never yields a continuation byte first, so a
// raw sequence is valid here exactly when it is in the text. Most strings
// are ASCII: eight bytes a step, the last step masked (up to kPadding
// bytes past the end are readable).
bool valid_utf8(const char* s, size_t n) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  uint64_t any = 0;
  uint64_t word = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::memcpy(&word, s + i, 8);
    any |= word;
  }
  if (i < n) {
    std::memcpy(&word, s + i, 8);
    any |= word & (~uint64_t{0} >> (8 * (8 - (n - i))));
  }
  if ((any & kHighBits) == 0) return true;
  for (i = 0; i < n;) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = json::utf8_sequence({s, n}, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// RapidJSON's SAX handler for a body: checks what json::parse's prescan
// and all_finite check (depth, UTF-8 in every string and member name,
// finite numbers) and builds each event when its object ends. A callback
// returning false stops the parse; the caller then finds out why.
class BodyHandler {
 public:
  BodyHandler(int64_t received_at_ms, std::vector<ParsedEvent>& events,
              std::vector<int64_t>& merged_ids)
      : received_at_ms_(received_at_ms), events_(events), merged_ids_(merged_ids) {}

  bool Null() { return scalar(Value()); }
  bool Bool(bool b) { return scalar(Value(b)); }
  bool Int(int i) { return scalar(Value(i)); }
  bool Uint(unsigned u) { return scalar(Value(u)); }
  bool Int64(int64_t i) { return scalar(Value(i)); }
  bool Uint64(uint64_t u) { return scalar(Value(u)); }
  // RapidJSON 1.1 reads some numbers beyond the double range as infinity.
  bool Double(double d) { return std::isfinite(d) && scalar(Value(d)); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }  // not asked for
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return valid_utf8(s, n) && scalar(Value(s, n));
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!valid_utf8(s, n)) return false;
    if (depth_ == kEvent && in_event_) pending_ = fields_.claim({s, n});
    return true;
  }
  bool StartObject() { return open(rapidjson::kObjectType); }
  bool StartArray() { return open(rapidjson::kArrayType); }
  bool EndObject(rapidjson::SizeType) {
    if (depth_ == kEvent && in_event_) finish_event();
    --depth_;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    collecting_ids_ = collecting_ids_ && depth_ != kMember;
    --depth_;
    return true;
  }

  // After a parse without errors: why the body is not HubSpot's shape, ""
  // when it is.
  std::string shape_error() const {
    if (!root_is_array_) return "body must be a JSON array of events";
    if (elements_ > kMaxEventsPerRequest) {
      return "at most " + std::to_string(kMaxEventsPerRequest) + " events per request, got " +
             std::to_string(elements_);
    }
    return event_error_;
  }

  // After a parse without errors: the events' merged ids point into
  // `merged_ids`, which no longer grows.
  void point_merged_ids() {
    const int64_t* next = merged_ids_.data();
    for (size_t i = 0; i < events_.size(); ++i) {
      events_[i].event.merged_object_ids = {next, merged_counts_[i]};
      next += merged_counts_[i];
    }
  }

 private:
  bool scalar(Value&& v) {
    if (depth_ == kRoot && root_is_array_) {
      element(false);
    } else if (depth_ == kEvent && in_event_) {
      take(std::move(v));
    } else if (depth_ == kMember && collecting_ids_) {
      if (auto id = json::lenient::int_of(&v)) fields_.add_merged_id(*id);
    }
    return true;
  }

  // Also what bounds the reader's recursion (see parse_events).
  bool open(rapidjson::Type type) {
    if (++depth_ > json::kDefaultMaxDepth) return false;
    if (depth_ == kRoot) {
      root_is_array_ = type == rapidjson::kArrayType;
    } else if (depth_ == kEvent && root_is_array_) {
      element(type == rapidjson::kObjectType);
    } else if (depth_ == kMember && in_event_) {
      collecting_ids_ = pending_ == kMergedObjectIds && type == rapidjson::kArrayType;
      take(Value(type));
    }
    return true;
  }

  // An item of the root array begins.
  void element(bool is_object) {
    const size_t index = elements_++;
    if (!building_) return;
    if (index >= kMaxEventsPerRequest) {
      building_ = false;  // refused whole; counted on for the message
    } else if (!is_object) {
      fail_event(index, "must be an object");
    } else {
      in_event_ = true;
      fields_.clear();
      pending_ = kFieldCount;
    }
  }

  // The value of the member whose name came last.
  void take(Value&& v) {
    if (pending_ != kFieldCount) fields_.set(pending_, std::move(v));
    pending_ = kFieldCount;
  }

  void finish_event() {
    in_event_ = false;
    std::string error;
    ParsedEvent& parsed = events_.emplace_back();
    if (!build_event(fields_, received_at_ms_, parsed.event, error)) {
      events_.pop_back();
      fail_event(elements_ - 1, error);
      return;
    }
    // The ids live in fields_ until the next event: kept with the others
    // (pointed at once the parse is over and the vector no longer grows).
    const auto ids = parsed.event.merged_object_ids;
    merged_ids_.insert(merged_ids_.end(), ids.begin(), ids.end());
    merged_counts_[events_.size() - 1] = ids.size();
    parsed.event.merged_object_ids = {};
  }

  void fail_event(size_t index, const std::string& error) {
    event_error_ = "event " + std::to_string(index) + ": " + error;
    building_ = false;
  }

  int64_t received_at_ms_;
  std::vector<ParsedEvent>& events_;
  std::vector<int64_t>& merged_ids_;
  std::array<size_t, kMaxEventsPerRequest> merged_counts_{};  // by event
  size_t depth_ = 0;
  bool root_is_array_ = false;
  size_t elements_ = 0;    // items of the root array
  bool building_ = true;   // until an event fails or there are too many
  bool in_event_ = false;  // inside an event being built (depth kEvent)
  Field pending_ = kFieldCount;
  bool collecting_ids_ = false;  // inside the event's mergedObjectIds array
  EventFields fields_;
  std::string event_error_;
};

// Why the body is not valid JSON, worded and coded as json::parse_insitu
// words and codes it (which checks the same things in a separate prescan
// and a DOM, so also which of several problems it names): only for refused
// bodies, which are rare.
void describe_json_problem(std::string_view body, std::string& text, ParseResult& result) {
  rapidjson::Document doc;
  text.assign(body);
  auto status = json::parse_insitu(doc, text);
  if (status) {  // not expected: the SAX pass refuses what parse_insitu refuses
    status = {.problem = json::Problem::syntax, .message = "unexpected parse error", .offset = 0};
  }
  result.reason = std::string(json::reason_code(status.problem));
  result.error = "body is not valid JSON: " + status.describe();
}

}  // namespace

bool keeps_property_value(std::string_view name) {
  return name == "dealstage" || name == "pipeline" || name == "hubspot_owner_id";
}

ParseResult parse_events(std::string_view body, int64_t received_at_ms) {
  ParseResult result;
  result.storage = std::make_unique<EventStorage>();
  EventStorage& storage = *result.storage;
  result.events.reserve(kMaxEventsPerRequest);
  // One pass of RapidJSON's SAX reader, in place in the result's copy of the
  // body: strings are decoded into it and the events point into it. Its
  // recursive parse (about 10 % fewer instructions than the iterative one
  // here) is bounded: RapidJSON calls StartObject and StartArray before it
  // descends, and the handler refuses the level past json::kDefaultMaxDepth
  // there, so a deep body cannot exhaust the stack.
  thread_local rapidjson::Reader reader;
  std::string& text = storage.text;
  text.reserve(body.size() + kPadding);
  text.assign(body);
  text.append(kPadding, '\0');
  // As json::parse_insitu: a UTF-8 byte order mark is skipped.
  const size_t bom = body.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  rapidjson::InsituStringStream stream(text.data() + bom);
  BodyHandler handler(received_at_ms, result.events, storage.merged_ids);
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag;
  // The reader takes a NUL byte for the end of the text: a parse that ends
  // before the text's own end met one (refused, as json::parse does).
  if (reader.Parse<kFlags>(stream, handler).IsError() || stream.Tell() != body.size() - bom) {
    result.events.clear();
    describe_json_problem(body, text, result);
    return result;
  }
  result.error = handler.shape_error();
  if (!result.error.empty()) {
    result.events.clear();
    return result;
  }
  handler.point_merged_ids();
  result.ok = true;
  return result;
}

}  // namespace hbsync::ingress
