#include "settings_test_support.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace hbsync::admin::settings_test {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::string to_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  value.Accept(w);
  return out.GetString();
}

// Hiragana or katakana: the message is a Japanese sentence.
bool japanese(const std::string& text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    if (b0 == 0xE3 && b1 >= 0x81 && b1 <= 0x83) return true;
  }
  return false;
}

std::string error_code(const rapidjson::Document& doc) {
  const auto* code = Pointer("/error/code").Get(doc);
  return code != nullptr && code->IsString() ? code->GetString() : "";
}

// The field errors of a 422 answer at `field`.
std::vector<const rapidjson::Value*> errors_at(const rapidjson::Document& doc,
                                               const std::string& field) {
  std::vector<const rapidjson::Value*> found;
  if (!doc.HasMember("errors") || !doc["errors"].IsArray()) return found;
  for (const auto& e : doc["errors"].GetArray()) {
    if (e["field"].GetString() == field) found.push_back(&e);
  }
  return found;
}

// Fails unless the 422 answer has an error with `code` at `field` whose
// message is Japanese; returns that message.
std::string expect_error(const rapidjson::Document& doc, const std::string& field,
                         const std::string& code) {
  for (const auto* e : errors_at(doc, field)) {
    if ((*e)["code"].GetString() != code) continue;
    const std::string message = (*e)["message"].GetString();
    EXPECT_TRUE(japanese(message)) << field << ": " << message;
    return message;
  }
  ADD_FAILURE() << "no " << code << " error at " << field << " in " << to_text(doc);
  return "";
}

std::unique_ptr<AdminStack> SettingsRoutesTest::stack_;

}  // namespace hbsync::admin::settings_test
