// hbsync::json::parse: never crashes; what it accepts is within the depth
// limit and is valid UTF-8 (written out with encoding validation and read
// back by the same strict parse).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "fuzz_common.hpp"
#include "hbsync/json/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hbsync;
  rapidjson::Document doc;
  auto status = json::parse(doc, fuzz::text(data, size), {.max_depth = 16});
  if (!status) {
    FUZZ_CHECK(!status.message.empty());
    FUZZ_CHECK(status.offset <= size);
    return 0;
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                    rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
      writer(out);
  FUZZ_CHECK(doc.Accept(writer));
  rapidjson::Document again;
  FUZZ_CHECK(json::parse(again, {out.GetString(), out.GetSize()}, {.max_depth = 16}));
  // Not again == doc: doubles written shortest-form may read back one ulp off.
  FUZZ_CHECK(again.GetType() == doc.GetType());
  return 0;
}
