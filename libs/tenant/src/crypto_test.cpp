#include "hbsync/tenant/crypto.hpp"

#include <gtest/gtest.h>

#include <map>

#include "base64.hpp"

namespace hbsync::tenant {
namespace {

const std::string key_a = Keyring::generate_key();
const std::string key_b = Keyring::generate_key();

DecryptError::Reason reason_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DecryptError& e) {
    return e.reason();
  }
  ADD_FAILURE() << "expected DecryptError";
  return DecryptError::Reason::malformed;
}

KeyringError keyring_error(std::string_view keys, std::string_view active = {}) {
  try {
    Keyring::parse(keys, active);
  } catch (const KeyringError& e) {
    return e;
  }
  ADD_FAILURE() << "expected KeyringError";
  return KeyringError("", "");
}

TEST(Base64Test, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    auto decoded = base64_decode(base64_encode(data));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, data);
    data += static_cast<char>(i * 37);
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_decode("aGVsbG8").value_or("?"), "hello");  // padding may be omitted
}

TEST(Base64Test, RejectsWhatIsNotStrictBase64) {
  EXPECT_FALSE(base64_decode("aGVsbG8*"));
  EXPECT_FALSE(base64_decode("aGVs bG8="));
  EXPECT_FALSE(base64_decode("a"));
  EXPECT_FALSE(base64_decode("aGVsbG9="));  // non-zero leftover bits
  EXPECT_FALSE(base64_decode("aGVsbG8==="));
}

// RFC 4648 section 10, both ways, with and without the padding.
TEST(Base64Test, MatchesTheRfcVectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded).value_or("?"), plain) << encoded;
    std::string unpadded = encoded.substr(0, encoded.find('='));
    EXPECT_EQ(base64_decode(unpadded).value_or("?"), plain) << unpadded;
  }
  // Bytes that are not text, including NUL and 0xff, keep their exact length.
  const std::string binary("\0\xff\0\xfb\xef", 5);
  EXPECT_EQ(base64_encode(binary), "AP8A++8=");
  EXPECT_EQ(base64_decode("AP8A++8=").value_or("?"), binary);
}

// OpenSSL's decoder alone would accept these (it skips surrounding
// whitespace and decodes non-canonical leftover bits); a key that decodes
// "mostly" must be refused.
TEST(Base64Test, RejectsWhitespacePaddingAndAlphabetMistakes) {
  for (const char* text :
       {" aGVsbG8=", "aGVsbG8= ", "aGVsbG8=\n", "\taGVsbG8=", "aGVs\nbG8=", "aGVsbG8=\r\n"}) {
    EXPECT_FALSE(base64_decode(text)) << "whitespace: " << text;
  }
  for (const char* text : {"aGVs=bG8", "aGVsbA=", "aGVsbG8==", "Zg=", "Zm8==", "=",
                           "==", "====", "Zg==Zg==", "Zm9v="}) {
    EXPECT_FALSE(base64_decode(text)) << "padding: " << text;
  }
  for (const char* text : {"Zm9v-w==", "Zm9v_w==", "Zm9v.w==", "Zm\xc3\xa9v"}) {
    EXPECT_FALSE(base64_decode(text)) << "alphabet: " << text;
  }
  EXPECT_FALSE(base64_decode(std::string_view("Zm9v\0AAA", 8)));  // NUL inside
  EXPECT_FALSE(base64_decode("Zh=="));                            // leftover bits, 1 byte
  EXPECT_FALSE(base64_decode("Zm9="));                            // leftover bits, 2 bytes
}

TEST(CryptoTest, RoundTrip) {
  Keyring ring = Keyring::parse("k1:" + key_a);
  const std::string secret = "トークン-secret-値";
  std::string envelope = ring.encrypt(secret, "tenant/1/board.api_token");
  EXPECT_EQ(envelope.rfind("v1.k1.", 0), 0u) << envelope;
  EXPECT_EQ(envelope.find(secret), std::string::npos);
  EXPECT_EQ(ring.decrypt(envelope, "tenant/1/board.api_token"), secret);
  EXPECT_EQ(ring.decrypt(ring.encrypt("", "x"), "x"), "");
}

TEST(CryptoTest, NoncesAreFreshEveryTime) {
  Keyring ring = Keyring::parse("k1:" + key_a);
  EXPECT_NE(ring.encrypt("same", "aad"), ring.encrypt("same", "aad"));
}

TEST(CryptoTest, EveryFlippedByteIsDetected) {
  Keyring ring = Keyring::parse("k1:" + key_a);
  const std::string envelope = ring.encrypt("refresh-token-1234", "t/1/f");
  const std::string prefix = "v1.k1.";
  auto sealed = base64_decode(envelope.substr(prefix.size())).value();
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_EQ(reason_of([&] { ring.decrypt(prefix + base64_encode(tampered), "t/1/f"); }),
              DecryptError::Reason::authentication)
        << "byte " << i;
  }
  std::string truncated = sealed.substr(0, sealed.size() - 1);
  EXPECT_EQ(reason_of([&] { ring.decrypt(prefix + base64_encode(truncated), "t/1/f"); }),
            DecryptError::Reason::authentication);
}

TEST(CryptoTest, WrongAssociatedDataIsRejected) {
  Keyring ring = Keyring::parse("k1:" + key_a);
  const std::string envelope = ring.encrypt("token", "hbsync/tenant/111/board.api_token");
  EXPECT_EQ(reason_of([&] { ring.decrypt(envelope, "hbsync/tenant/222/board.api_token"); }),
            DecryptError::Reason::authentication);
  EXPECT_EQ(reason_of([&] { ring.decrypt(envelope, "hbsync/tenant/111/board.api_key"); }),
            DecryptError::Reason::authentication);
}

TEST(CryptoTest, RelabellingTheKeyIdIsRejected) {
  // Both keys identical, so only the authenticated header can catch the swap.
  Keyring ring = Keyring::parse("k1:" + key_a + ",k2:" + key_a);
  std::string envelope = ring.encrypt("token", "aad");
  envelope.replace(0, 6, "v1.k2.");
  EXPECT_EQ(reason_of([&] { ring.decrypt(envelope, "aad"); }),
            DecryptError::Reason::authentication);
}

TEST(CryptoTest, UnknownKeyIdAndMalformedEnvelopes) {
  Keyring old_ring = Keyring::parse("old:" + key_a);
  Keyring new_ring = Keyring::parse("new:" + key_b);
  const std::string envelope = old_ring.encrypt("token", "aad");
  try {
    new_ring.decrypt(envelope, "aad");
    FAIL() << "expected DecryptError";
  } catch (const DecryptError& e) {
    EXPECT_EQ(e.reason(), DecryptError::Reason::unknown_key);
    EXPECT_NE(std::string(e.what()).find("\"old\""), std::string::npos) << e.what();
  }
  for (std::string bad :
       {"", "token", "v2.old.AAAA", "v1..AAAA", "v1.old", "v1.old.***", "v1.old.AAAA"}) {
    EXPECT_EQ(reason_of([&] { old_ring.decrypt(bad, "aad"); }), DecryptError::Reason::malformed)
        << bad;
  }
}

TEST(CryptoTest, RotationKeepsOldKeysReadable) {
  Keyring before = Keyring::parse("k1:" + key_a);
  const std::string envelope = before.encrypt("token", "aad");
  EXPECT_FALSE(before.needs_rotation(envelope));

  Keyring during = Keyring::parse("k1:" + key_a + ",k2:" + key_b, "k2");
  EXPECT_EQ(during.active_key_id(), "k2");
  EXPECT_TRUE(during.needs_rotation(envelope));
  EXPECT_EQ(during.decrypt(envelope, "aad"), "token");
  const std::string rotated = during.encrypt(during.decrypt(envelope, "aad"), "aad");
  EXPECT_EQ(envelope_key_id(rotated), "k2");
  EXPECT_FALSE(during.needs_rotation(rotated));

  Keyring after = Keyring::parse("k2:" + key_b);
  EXPECT_EQ(after.decrypt(rotated, "aad"), "token");
  EXPECT_EQ(reason_of([&] { after.decrypt(envelope, "aad"); }), DecryptError::Reason::unknown_key);
  EXPECT_TRUE(after.needs_rotation("garbage"));
}

TEST(CryptoTest, SealedDealNamesOpenOnlyForTheirTenantAndDeal) {
  auto ring = Keyring::parse("k1:" + Keyring::generate_key());
  const std::string sealed = seal_deal_name(ring, "42", 7, "株式会社テスト 案件");
  EXPECT_EQ(sealed.find("テスト"), std::string::npos);
  EXPECT_EQ(open_deal_name(ring, "42", 7, sealed).value_or("?"), "株式会社テスト 案件");
  EXPECT_FALSE(open_deal_name(ring, "42", 8, sealed).has_value());
  EXPECT_FALSE(open_deal_name(ring, "43", 7, sealed).has_value());
  EXPECT_FALSE(open_deal_name(ring, "42", 7, "").has_value());
  auto other = Keyring::parse("k2:" + Keyring::generate_key());
  EXPECT_FALSE(open_deal_name(other, "42", 7, sealed).has_value());
}

TEST(KeyringTest, ActiveKeyDefaultsToTheFirst) {
  Keyring ring = Keyring::parse(" k1 : " + key_a + " , k2:" + key_b + ",");
  EXPECT_EQ(ring.active_key_id(), "k1");
  EXPECT_EQ(ring.key_ids(), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_TRUE(ring.has_key("k2"));
  EXPECT_FALSE(ring.has_key("k3"));
}

TEST(KeyringTest, GeneratedKeysAreLikeOpensslRand) {
  std::string key = Keyring::generate_key();
  EXPECT_EQ(key.size(), 44u);
  EXPECT_EQ(base64_decode(key).value().size(), 32u);
  EXPECT_NE(key, Keyring::generate_key());
}

TEST(KeyringTest, ConfigErrorsNameTheVariableNeverTheValue) {
  const std::string short_key = base64_encode(std::string(16, 'x'));  // AES-128 sized
  const std::string not_base64 = "this-is-not-base64!!";
  struct Case {
    std::string name;
    std::string keys;
    std::string active;
    std::string variable;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"empty", "", "", "HBSYNC_ENCRYPTION_KEYS", "is required"},
      {"no_colon", key_a, "", "HBSYNC_ENCRYPTION_KEYS", "key 1 is not"},
      {"short_key", "k1:" + short_key, "", "HBSYNC_ENCRYPTION_KEYS", "16 bytes"},
      {"not_base64", "k1:" + not_base64, "", "HBSYNC_ENCRYPTION_KEYS", "not valid base64"},
      {"bad_id", "k.1:" + key_a, "", "HBSYNC_ENCRYPTION_KEYS", "invalid key id"},
      {"duplicate_id", "k1:" + key_a + ",k1:" + key_b, "", "HBSYNC_ENCRYPTION_KEYS",
       "listed twice"},
      {"unknown_active", "k1:" + key_a, "k9", "HBSYNC_ENCRYPTION_ACTIVE_KEY", "\"k9\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    KeyringError e = keyring_error(c.keys, c.active);
    EXPECT_EQ(e.variable(), c.variable);
    EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    for (const std::string& secret : {key_a, key_b, short_key, not_base64}) {
      EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
    }
  }
}

TEST(KeyringTest, LoadReportsThroughTheLoader) {
  std::map<std::string, std::string> env = {{"HBSYNC_ENCRYPTION_KEYS", "k1:tooshort"}};
  config::Loader loader("test", "test", 0, nullptr,
                        [&](const std::string& name) -> std::optional<std::string> {
                          auto it = env.find(name);
                          if (it == env.end()) return std::nullopt;
                          return it->second;
                        });
  Keyring ring = Keyring::load(loader);
  EXPECT_TRUE(ring.empty());
  ASSERT_EQ(loader.errors().size(), 1u);
  EXPECT_EQ(loader.errors()[0].rfind("HBSYNC_ENCRYPTION_KEYS: ", 0), 0u) << loader.errors()[0];
  EXPECT_EQ(loader.errors()[0].find("tooshort"), std::string::npos);
  EXPECT_THROW(ring.encrypt("x", "y"), std::logic_error);

  env["HBSYNC_ENCRYPTION_KEYS"] = "a:" + key_a + ",b:" + key_b;
  env["HBSYNC_ENCRYPTION_ACTIVE_KEY"] = "b";
  config::Loader good("test", "test", 0, nullptr,
                      [&](const std::string& name) -> std::optional<std::string> {
                        auto it = env.find(name);
                        if (it == env.end()) return std::nullopt;
                        return it->second;
                      });
  Keyring loaded = Keyring::load(good);
  EXPECT_TRUE(good.errors().empty());
  EXPECT_EQ(loaded.active_key_id(), "b");
  std::string help = good.help_text();
  EXPECT_EQ(help.find(key_a), std::string::npos);
}

}  // namespace
}  // namespace hbsync::tenant
