// Japanese for the console: libs/domain's validation messages are Japanese
// already, libs/tenant's (document structure, credentials, ids, URLs, the
// poll interval) are English, as `hbsync-ctl tenant apply` prints them. The
// console shows a Japanese sentence chosen by code and field, followed by the
// library's own text in parentheses, which names the details (expected
// fields, limits) and keeps the message what the CLI prints.
#include <algorithm>
#include <map>

#include "settings_common.hpp"

namespace hbsync::admin::settings {

namespace {

// Hiragana (U+3040-U+309F, UTF-8 E3 81 80 - E3 82 9F) appears in every
// Japanese sentence of libs/domain and in none of libs/tenant's messages.
bool has_hiragana(std::string_view text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    if (b0 == 0xE3 && (b1 == 0x81 || b1 == 0x82)) {
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      if (b1 == 0x81 ? b2 >= 0x80 : b2 <= 0x9F) return true;
    }
  }
  return false;
}

// Sentences for particular fields, whatever the code.
const std::map<std::string, std::string, std::less<>>& by_field() {
  static const std::map<std::string, std::string, std::less<>> sentences = {
      {"board.api_key",
       "boardのAPIキーが正しくないか、設定されていません。「board接続」で設定してください。"},
      {"board.api_token",
       "boardのAPIトークンが正しくないか、設定されていません。「board接続」で設定してください。"},
      {"board.client_url",
       "boardの顧客ページのURLが正しくありません。https:// で始まり、顧客IDの入る {id} "
       "を1つだけ含むURLにしてください。"},
      {"hubspot.link_property",
       "リンク表示用プロパティには使えません。英小文字・数字・_ からなる (英字で始まる) "
       "会社の1行テキストのプロパティで、hs_ で始まらず、会社情報紐づけ設定で使っていない"
       "ものを選んでください。"},
      {"schedule.interval_minutes",
       "同期の間隔は 0 (毎日の定時実行のみ) または 15〜1440 分にしてください。boardのAPIは"
       "1日3,000リクエストまでのため、15分より短い間隔は設定できません。"},
      {"tenant_id", "テナントID (HubSpotのポータルID) が正しくありません。"},
      {"hubspot.hub_id", "HubSpotのポータルIDがこのテナントと一致しません。"},
      {"version", "設定のバージョン (読み込んだときの version) を整数で指定してください。"},
  };
  return sentences;
}

// Sentences by code, for the field named in front.
const std::map<std::string, std::string, std::less<>>& by_code() {
  static const std::map<std::string, std::string, std::less<>> sentences = {
      {"invalid_json", "JSONとして読み取れません。"},
      {"wrong_type", "の値の種類 (文字列・数値・真偽値など) が正しくありません。"},
      {"unknown_field", "は設定にない項目です。項目名の入力ミスがないか確認してください。"},
      {"duplicate_key", "が2回指定されています。"},
      {"unknown_row", "は連携ステージ設定の行ではありません。"},
      {"duplicate_row", "の行が2回指定されています。"},
      {"unknown_value", "の値が選択肢にありません。"},
      {"unknown_client_field", "はboardの顧客の項目ではありません。"},
      {"required", "を入力してください。"},
      {"out_of_range", "の値が範囲外です。"},
      {"too_long", "が長すぎます。"},
      {"invalid_text", "に制御文字または不正な文字が含まれています。"},
      {"invalid_credential",
       "に空白・改行・全角文字が含まれています。発行されたとおりに貼り付けてください。"},
      {"duplicate_pipeline", "のパイプラインが2回指定されています。"},
      {"duplicate_stage_id", "のステージIDが同じパイプラインに2回指定されています。"},
  };
  return sentences;
}

std::string japanese_sentence(const tenant::ValidationError& e) {
  if (auto it = by_field().find(e.field); it != by_field().end()) return it->second;
  const std::string subject = e.field.empty() ? "入力" : "「" + e.field + "」";
  if (auto it = by_code().find(e.code); it != by_code().end()) {
    return e.code == "invalid_json" ? it->second : subject + it->second;
  }
  return subject + "の値が正しくありません。";
}

}  // namespace

tenant::ValidationErrors in_japanese(tenant::ValidationErrors errors) {
  for (auto& e : errors) {
    if (has_hiragana(e.message)) continue;
    e.message = japanese_sentence(e) + " (" + e.message + ")";
  }
  return errors;
}

}  // namespace hbsync::admin::settings
