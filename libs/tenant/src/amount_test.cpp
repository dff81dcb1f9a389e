// Amounts sealed for transit and digested for the link (SPEC F4.4, F9).
#include "hbsync/tenant/amount.hpp"

#include <gtest/gtest.h>

namespace {

using namespace hbsync::tenant;

TEST(AmountTest, SealedAmountsOpenOnlyForTheirTenantAndDeal) {
  auto keyring = Keyring::parse("k1:" + Keyring::generate_key());
  const std::string sealed = seal_amount(keyring, "t1", 10, "90000");
  EXPECT_EQ(sealed.find("90000"), std::string::npos);
  EXPECT_EQ(open_amount(keyring, "t1", 10, sealed).value_or(""), "90000");
  EXPECT_FALSE(open_amount(keyring, "t1", 11, sealed).has_value());
  EXPECT_FALSE(open_amount(keyring, "t2", 10, sealed).has_value());
  EXPECT_FALSE(open_amount(keyring, "t1", 10, "").has_value());
  EXPECT_FALSE(open_amount(Keyring(), "t1", 10, sealed).has_value());
}

TEST(AmountTest, DigestsTellEqualAmountsWithoutTheAmount) {
  auto keyring = Keyring::parse("k1:" + Keyring::generate_key());
  const std::string d = amount_digest(keyring, "t1", 10, "90000");
  EXPECT_EQ(d.rfind("k1:", 0), 0u);
  EXPECT_EQ(d.size(), 3u + 32u);
  EXPECT_EQ(d.find("90000"), std::string::npos);
  EXPECT_EQ(amount_digest(keyring, "t1", 10, "90000"), d);  // deterministic
  EXPECT_NE(amount_digest(keyring, "t1", 10, "90001"), d);
  EXPECT_NE(amount_digest(keyring, "t1", 11, "90000"), d);  // bound to the deal
  // Without the key the digest cannot be recomputed from guesses.
  auto other = Keyring::parse("k1:" + Keyring::generate_key());
  EXPECT_NE(amount_digest(other, "t1", 10, "90000"), d);
  EXPECT_THROW(amount_digest(Keyring(), "t1", 10, "1"), std::logic_error);
}

}  // namespace
