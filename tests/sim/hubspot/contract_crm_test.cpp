// CRM contract: object shapes and types, associations (v3 names and v4
// types), batches with their limit and 207s, search paging, errors,
// properties, pipelines and owners.
#include <gtest/gtest.h>

#include <set>

#include "contract_support.hpp"

namespace hbsync::sim_hubspot::contract {
namespace {

class CrmContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new SimHubSpot(); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(sim_->control("POST", "/_sim/reset").status, 200);
    t_ = sim_->tenant(5001);
  }

  std::string company(const std::string& name) {
    return sim_->create(t_, "companies", R"({"name":")" + name + "\"}");
  }
  std::string deal(const std::string& name, const std::string& companies_json = "") {
    return sim_->create(t_, "deals",
                        R"({"dealname":")" + name + R"(","dealstage":"qualifiedtobuy"})",
                        companies_json);
  }
  static std::string link(const std::string& id, int type) {
    return R"({"to":{"id":")" + id +
           R"("},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":)" +
           std::to_string(type) + "}]}";
  }

  static void expect_error(const Reply& reply, int status, const std::string& category) {
    EXPECT_EQ(reply.status, status) << reply.body;
    rapidjson::Document e = reply.json();
    ASSERT_TRUE(e.IsObject());
    EXPECT_EQ(std::string(e["status"].GetString()), "error");
    EXPECT_EQ(std::string(e["category"].GetString()), category);
    EXPECT_TRUE(e["message"].IsString());
    EXPECT_TRUE(e["correlationId"].IsString());
  }

  static void expect_object_shape(const rapidjson::Value& o) {
    ASSERT_TRUE(o.IsObject());
    ASSERT_TRUE(o["id"].IsString());
    ASSERT_TRUE(o["properties"].IsObject());
    for (const auto& p : o["properties"].GetObject()) {
      EXPECT_TRUE(p.value.IsString() || p.value.IsNull()) << p.name.GetString();
    }
    EXPECT_TRUE(o["createdAt"].IsString());
    EXPECT_TRUE(o["updatedAt"].IsString());
    ASSERT_TRUE(o["archived"].IsBool());
    EXPECT_FALSE(o["archived"].GetBool());
  }

  static SimHubSpot* sim_;
  SimHubSpot::Tenant t_;
};

SimHubSpot* CrmContract::sim_ = nullptr;

TEST_F(CrmContract, GetDealReturnsStringPropertiesAndCompaniesTwice) {
  std::string acme = company("Acme");
  std::string other = company("Other");
  std::string id = deal("Big deal", "[" + link(acme, 5) + "," + link(other, 341) + "]");
  ASSERT_EQ(sim_->send("PATCH", "/crm/v3/objects/deals/" + id, t_.token,
                       R"({"properties":{"amount":1500.5}})")
                .status,
            200);
  // Repeated keys and comma-joined lists, mixed.
  Reply reply = sim_->get("/crm/v3/objects/deals/" + id +
                              "?properties=dealname,amount&properties=hubspot_owner_id"
                              "&properties=nosuchproperty&associations=companies",
                          t_.token);
  ASSERT_EQ(reply.status, 200) << reply.body;
  rapidjson::Document d = reply.json();
  expect_object_shape(d);
  const auto& p = d["properties"];
  EXPECT_EQ(std::string(p["dealname"].GetString()), "Big deal");
  EXPECT_EQ(std::string(p["amount"].GetString()), "1500.5");
  EXPECT_TRUE(p["hubspot_owner_id"].IsNull());
  EXPECT_FALSE(p.HasMember("nosuchproperty"));
  EXPECT_EQ(std::string(p["hs_object_id"].GetString()), id);
  const auto& results = d["associations"]["companies"]["results"];
  std::multiset<std::string> seen;
  for (const auto& r : results.GetArray()) {
    seen.insert(std::string(r["id"].GetString()) + ":" + r["type"].GetString());
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{acme + ":deal_to_company",
                                              acme + ":deal_to_company_unlabeled",
                                              other + ":deal_to_company_unlabeled"}));
  // Without properties: the default set.
  rapidjson::Document plain = sim_->get("/crm/v3/objects/deals/" + id, t_.token).json();
  for (const char* name : {"dealname", "dealstage", "pipeline", "amount", "closedate", "createdate",
                           "hs_lastmodifieddate", "hs_object_id"}) {
    EXPECT_TRUE(plain["properties"].HasMember(name)) << name;
  }
  EXPECT_FALSE(plain.HasMember("associations"));
}

TEST_F(CrmContract, V4ListsPrimaryCompanyWithTypes5And341) {
  std::string acme = company("Acme");
  std::string other = company("Other");
  std::string id = deal("D", "[" + link(acme, 5) + "]");
  Reply reply = sim_->get("/crm/v4/objects/deals/" + id + "/associations/companies", t_.token);
  ASSERT_EQ(reply.status, 200) << reply.body;
  rapidjson::Document d = reply.json();
  ASSERT_EQ(d["results"].Size(), 1u);
  const auto& r = d["results"][0];
  ASSERT_TRUE(r["toObjectId"].IsInt64());
  EXPECT_EQ(std::to_string(r["toObjectId"].GetInt64()), acme);
  std::map<int, std::string> types;
  for (const auto& t : r["associationTypes"].GetArray()) {
    EXPECT_EQ(std::string(t["category"].GetString()), "HUBSPOT_DEFINED");
    types[t["typeId"].GetInt()] = t["label"].IsNull() ? "null" : t["label"].GetString();
  }
  EXPECT_EQ(types, (std::map<int, std::string>{{5, "Primary"}, {341, "null"}}));

  rapidjson::Document reverse =
      sim_->get("/crm/v4/objects/companies/" + acme + "/associations/deals", t_.token).json();
  std::set<int> reverse_types;
  for (const auto& t : reverse["results"][0]["associationTypes"].GetArray()) {
    reverse_types.insert(t["typeId"].GetInt());
  }
  EXPECT_EQ(reverse_types, (std::set<int>{6, 342}));

  // Unlabeled association by PUT, then removal.
  Reply put = sim_->send("PUT", "/crm/v4/objects/deals/" + id + "/associations/companies/" + other,
                         t_.token,
                         R"([{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":341}])");
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.json()["labels"].Size(), 0u);
  EXPECT_EQ(sim_->get("/crm/v4/objects/deals/" + id + "/associations/companies", t_.token)
                .json()["results"]
                .Size(),
            2u);
  EXPECT_EQ(
      sim_->send("PUT", "/crm/v4/objects/deals/" + id + "/associations/companies/" + other,
                 t_.token, R"([{"associationCategory":"USER_DEFINED","associationTypeId":341}])")
          .status,
      400);
  EXPECT_EQ(sim_->send("DELETE", "/crm/v4/objects/deals/" + id + "/associations/companies/" + other,
                       t_.token)
                .status,
            204);
  EXPECT_EQ(sim_->get("/crm/v4/objects/deals/" + id + "/associations/companies", t_.token)
                .json()["results"]
                .Size(),
            1u);
  Reply by_default = sim_->send(
      "PUT", "/crm/v4/objects/deals/" + id + "/associations/default/companies/" + other, t_.token);
  EXPECT_EQ(by_default.status, 200) << by_default.body;
  EXPECT_EQ(std::string(by_default.json()["status"].GetString()), "COMPLETE");
}

TEST_F(CrmContract, V4AssociationPagingAndBatchRead207) {
  std::vector<std::string> companies;
  std::string links = "[";
  for (int i = 0; i < 5; ++i) {
    companies.push_back(company("C" + std::to_string(i)));
    links += (i ? "," : "") + link(companies.back(), 341);
  }
  std::string with = deal("with", links + "]");
  std::string without = deal("without");
  rapidjson::Document page =
      sim_->get("/crm/v4/objects/deals/" + with + "/associations/companies?limit=2", t_.token)
          .json();
  EXPECT_EQ(page["results"].Size(), 2u);
  std::string after = page["paging"]["next"]["after"].GetString();
  rapidjson::Document next =
      sim_->get("/crm/v4/objects/deals/" + with + "/associations/companies?limit=2&after=" + after,
                t_.token)
          .json();
  EXPECT_EQ(next["results"].Size(), 2u);
  EXPECT_NE(next["results"][0]["toObjectId"].GetInt64(),
            page["results"][0]["toObjectId"].GetInt64());

  Reply batch = sim_->post("/crm/v4/associations/deals/companies/batch/read", t_.token,
                           R"({"inputs":[{"id":")" + with + R"("},{"id":")" + without + "\"}]}");
  ASSERT_EQ(batch.status, 207) << batch.body;
  rapidjson::Document b = batch.json();
  ASSERT_EQ(b["results"].Size(), 1u);
  EXPECT_EQ(std::string(b["results"][0]["from"]["id"].GetString()), with);
  EXPECT_EQ(b["results"][0]["to"].Size(), 5u);
  EXPECT_EQ(b["numErrors"].GetInt(), 1);
  EXPECT_EQ(std::string(b["errors"][0]["context"]["fromObjectId"][0].GetString()), without);
  Reply all_found = sim_->post("/crm/v4/associations/deals/companies/batch/read", t_.token,
                               R"({"inputs":[{"id":")" + with + "\"}]}");
  EXPECT_EQ(all_found.status, 200);
}

TEST_F(CrmContract, BatchesAcceptAtMost100Inputs) {
  auto inputs = [](int n) {
    std::string s = "{\"inputs\":[";
    for (int i = 0; i < n; ++i) {
      s += (i ? "," : "") + std::string(R"({"properties":{"name":"Co )") + std::to_string(i) +
           "\"}}";
    }
    return s + "]}";
  };
  expect_error(sim_->post("/crm/v3/objects/companies/batch/create", t_.token, inputs(101)), 400,
               "VALIDATION_ERROR");
  Reply ok = sim_->post("/crm/v3/objects/companies/batch/create", t_.token, inputs(100));
  ASSERT_EQ(ok.status, 201) << ok.body.substr(0, 300);
  rapidjson::Document d = ok.json();
  EXPECT_EQ(std::string(d["status"].GetString()), "COMPLETE");
  ASSERT_EQ(d["results"].Size(), 100u);
  expect_object_shape(d["results"][0]);
  EXPECT_TRUE(d["startedAt"].IsString());
  EXPECT_TRUE(d["completedAt"].IsString());
  // One bad input rejects the whole batch.
  expect_error(
      sim_->post("/crm/v3/objects/companies/batch/create", t_.token,
                 R"({"inputs":[{"properties":{"name":"ok"}},{"properties":{"nope":"x"}}]})"),
      400, "VALIDATION_ERROR");
}

TEST_F(CrmContract, BatchReadAndUpdateReport207ForMissingIds) {
  std::string a = company("A");
  std::string b = company("B");
  Reply read = sim_->post("/crm/v3/objects/companies/batch/read", t_.token,
                          R"({"properties":["name"],"inputs":[{"id":")" + a + R"("},{"id":")" + b +
                              R"("},{"id":"999"}]})");
  ASSERT_EQ(read.status, 207) << read.body;
  rapidjson::Document r = read.json();
  EXPECT_EQ(r["results"].Size(), 2u);
  EXPECT_EQ(r["numErrors"].GetInt(), 1);
  EXPECT_EQ(std::string(r["errors"][0]["category"].GetString()), "OBJECT_NOT_FOUND");
  EXPECT_EQ(std::string(r["errors"][0]["context"]["ids"][0].GetString()), "999");
  EXPECT_EQ(sim_->post("/crm/v3/objects/companies/batch/read", t_.token,
                       R"({"properties":["name"],"inputs":[{"id":")" + a + "\"}]}")
                .status,
            200);

  Reply update = sim_->post(
      "/crm/v3/objects/companies/batch/update", t_.token,
      R"({"inputs":[{"id":")" + a +
          R"(","properties":{"city":"Osaka"}},{"id":"999","properties":{"city":"x"}}]})");
  ASSERT_EQ(update.status, 207) << update.body;
  EXPECT_EQ(update.json()["results"].Size(), 1u);
  rapidjson::Document got =
      sim_->get("/crm/v3/objects/companies/" + a + "?properties=city", t_.token).json();
  EXPECT_EQ(std::string(got["properties"]["city"].GetString()), "Osaka");
}

// Companies.json: batch read "by ID (`companyId`) or by a unique property
// (`idProperty`)": the inputs are then that property's values.
TEST_F(CrmContract, BatchReadByUniqueIdProperty) {
  ASSERT_EQ(
      sim_->post(
              "/crm/v3/properties/companies", t_.token,
              R"({"name":"ext_id","label":"x","type":"string","fieldType":"text","groupName":"companyinformation","hasUniqueValue":true})")
          .status,
      201);
  std::string a = sim_->create(t_, "companies", R"({"name":"A","ext_id":"c-1"})");
  company("B");  // no value
  Reply read = sim_->post(
      "/crm/v3/objects/companies/batch/read", t_.token,
      R"({"idProperty":"ext_id","properties":["name","ext_id"],"inputs":[{"id":"c-1"},{"id":"c-2"}]})");
  ASSERT_EQ(read.status, 207) << read.body;
  rapidjson::Document r = read.json();
  ASSERT_EQ(r["results"].Size(), 1u);
  EXPECT_EQ(std::string(r["results"][0]["id"].GetString()), a);
  EXPECT_EQ(std::string(r["results"][0]["properties"]["ext_id"].GetString()), "c-1");
  EXPECT_EQ(std::string(r["errors"][0]["category"].GetString()), "OBJECT_NOT_FOUND");
  EXPECT_EQ(std::string(r["errors"][0]["context"]["ids"][0].GetString()), "c-2");
  // A property without hasUniqueValue cannot identify records.
  expect_error(sim_->post("/crm/v3/objects/companies/batch/read", t_.token,
                          R"({"idProperty":"name","properties":[],"inputs":[{"id":"A"}]})"),
               400, "VALIDATION_ERROR");
}

TEST_F(CrmContract, SearchFiltersAndPages) {
  std::string body = "{\"inputs\":[";
  for (int i = 0; i < 25; ++i) {
    body += (i ? "," : "") + std::string(R"({"properties":{"name":"Company )") + std::to_string(i) +
            R"(","city":")" + (i % 2 ? "Tokyo" : "Osaka") + "\"}}";
  }
  ASSERT_EQ(sim_->post("/crm/v3/objects/companies/batch/create", t_.token, body + "]}").status,
            201);

  Reply one = sim_->post(
      "/crm/v3/objects/companies/search", t_.token,
      R"({"filterGroups":[{"filters":[{"propertyName":"name","operator":"EQ","value":"company 7"}]}],"properties":["name","city"]})");
  ASSERT_EQ(one.status, 200) << one.body;
  rapidjson::Document o = one.json();
  EXPECT_EQ(o["total"].GetInt(), 1);
  EXPECT_EQ(std::string(o["results"][0]["properties"]["name"].GetString()), "Company 7");
  EXPECT_FALSE(o.HasMember("paging"));

  std::set<std::string> ids;
  std::string after;
  int pages = 0;
  do {
    std::string request =
        R"({"filterGroups":[{"filters":[{"propertyName":"city","operator":"EQ","value":"Tokyo"}]}],"limit":5)";
    if (!after.empty()) request += R"(,"after":")" + after + "\"";
    Reply page = sim_->post("/crm/v3/objects/companies/search", t_.token, request + "}");
    ASSERT_EQ(page.status, 200) << page.body;
    rapidjson::Document p = page.json();
    EXPECT_EQ(p["total"].GetInt(), 12);
    for (const auto& r : p["results"].GetArray()) {
      expect_object_shape(r);
      ids.insert(r["id"].GetString());
    }
    after = p.HasMember("paging") ? p["paging"]["next"]["after"].GetString() : "";
    ++pages;
  } while (!after.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids.size(), 12u);
  expect_error(sim_->post("/crm/v3/objects/companies/search", t_.token, R"({"limit":201})"), 400,
               "VALIDATION_ERROR");
}

TEST_F(CrmContract, NotFoundArchiveAndValidationBodies) {
  expect_error(sim_->get("/crm/v3/objects/deals/12345", t_.token), 404, "OBJECT_NOT_FOUND");
  expect_error(sim_->get("/crm/v3/objects/deals/abc", t_.token), 404, "OBJECT_NOT_FOUND");
  std::string id = company("Gone");
  EXPECT_EQ(sim_->send("DELETE", "/crm/v3/objects/companies/" + id, t_.token).status, 204);
  expect_error(sim_->get("/crm/v3/objects/companies/" + id, t_.token), 404, "OBJECT_NOT_FOUND");
  Reply archived = sim_->get("/crm/v3/objects/companies/" + id + "?archived=true", t_.token);
  ASSERT_EQ(archived.status, 200);
  EXPECT_TRUE(archived.json()["archived"].GetBool());

  Reply unknown = sim_->post("/crm/v3/objects/companies", t_.token,
                             R"({"properties":{"name":"x","no_such_property":"y"}})");
  expect_error(unknown, 400, "VALIDATION_ERROR");
  EXPECT_NE(unknown.body.find("PROPERTY_DOESNT_EXIST"), std::string::npos);
  expect_error(sim_->post("/crm/v3/objects/deals", t_.token,
                          R"({"properties":{"dealname":"x","dealstage":"nope"}})"),
               400, "VALIDATION_ERROR");
  expect_error(sim_->send("PATCH", "/crm/v3/objects/deals/" + deal("x"), t_.token,
                          R"({"properties":{"amount":"lots"}})"),
               400, "VALIDATION_ERROR");
  Reply plain = sim_->send("POST", "/crm/v3/objects/companies", t_.token,
                           R"({"properties":{"name":"x"}})", "text/plain");
  EXPECT_EQ(plain.status, 415);
}

TEST_F(CrmContract, CompanyPropertiesCreateListAndConflict) {
  const std::string property =
      R"({"name":"board_client_url","label":"board","type":"string","fieldType":"text","groupName":"companyinformation"})";
  Reply created = sim_->post("/crm/v3/properties/companies", t_.token, property);
  ASSERT_EQ(created.status, 201) << created.body;
  rapidjson::Document c = created.json();
  EXPECT_EQ(std::string(c["name"].GetString()), "board_client_url");
  EXPECT_EQ(std::string(c["type"].GetString()), "string");
  EXPECT_EQ(std::string(c["fieldType"].GetString()), "text");
  expect_error(sim_->post("/crm/v3/properties/companies", t_.token, property), 409, "CONFLICT");
  expect_error(
      sim_->post(
          "/crm/v3/properties/companies", t_.token,
          R"({"name":"bad","label":"b","type":"string","fieldType":"number","groupName":"companyinformation"})"),
      400, "VALIDATION_ERROR");
  rapidjson::Document list = sim_->get("/crm/v3/properties/companies", t_.token).json();
  std::set<std::string> names;
  for (const auto& p : list["results"].GetArray()) {
    names.insert(p["name"].GetString());
    EXPECT_TRUE(p["type"].IsString());
    EXPECT_TRUE(p["fieldType"].IsString());
    EXPECT_TRUE(p["groupName"].IsString());
  }
  for (const char* n :
       {"name", "zip", "phone", "state", "city", "address", "domain", "board_client_url"}) {
    EXPECT_EQ(names.count(n), 1u) << n;
  }
  // The new property is writable at once.
  EXPECT_EQ(sim_->post("/crm/v3/objects/companies", t_.token,
                       R"({"properties":{"name":"x","board_client_url":"https://the-board.jp/x"}})")
                .status,
            201);
}

TEST_F(CrmContract, PipelinesAndOwners) {
  rapidjson::Document pipelines = sim_->get("/crm/v3/pipelines/deals", t_.token).json();
  ASSERT_EQ(pipelines["results"].Size(), 1u);
  const auto& p = pipelines["results"][0];
  EXPECT_EQ(std::string(p["id"].GetString()), "default");
  std::vector<std::string> stages;
  for (const auto& s : p["stages"].GetArray()) {
    stages.push_back(s["id"].GetString());
    EXPECT_TRUE(s["metadata"]["isClosed"].IsString());
    EXPECT_TRUE(s["metadata"]["probability"].IsString());
    EXPECT_TRUE(s["displayOrder"].IsInt());
  }
  EXPECT_EQ(stages.front(), "appointmentscheduled");
  EXPECT_NE(std::find(stages.begin(), stages.end(), "closedwon"), stages.end());
  EXPECT_NE(std::find(stages.begin(), stages.end(), "closedlost"), stages.end());

  ASSERT_EQ(
      sim_->control(
              "POST", "/_sim/portals/5001/pipelines",
              R"({"id":"jp","label":"日本","stages":[{"id":"s1","label":"見積","probability":0.3},{"id":"s2","label":"受注","isClosed":true,"probability":"1.0"}]})")
          .status,
      201);
  pipelines = sim_->get("/crm/v3/pipelines/deals", t_.token).json();
  EXPECT_EQ(pipelines["results"].Size(), 2u);
  EXPECT_EQ(sim_->post("/crm/v3/objects/deals", t_.token,
                       R"({"properties":{"dealname":"x","pipeline":"jp","dealstage":"s2"}})")
                .status,
            201);

  Reply owner =
      sim_->control("POST", "/_sim/portals/5001/owners",
                    R"({"email":"Sales@Example.com","firstName":"Taro","lastName":"Yamada"})");
  ASSERT_EQ(owner.status, 201) << owner.body;
  std::string owner_id = owner.json()["id"].GetString();
  rapidjson::Document o = sim_->get("/crm/v3/owners/" + owner_id, t_.token).json();
  EXPECT_EQ(std::string(o["id"].GetString()), owner_id);
  EXPECT_TRUE(o["userId"].IsInt64());
  EXPECT_EQ(std::string(o["type"].GetString()), "PERSON");
  EXPECT_TRUE(o["teams"].IsArray());
  rapidjson::Document by_email =
      sim_->get("/crm/v3/owners?email=sales%40example.com", t_.token).json();
  ASSERT_EQ(by_email["results"].Size(), 1u);
  expect_error(sim_->get("/crm/v3/owners/1", t_.token), 404, "OBJECT_NOT_FOUND");
  EXPECT_EQ(sim_->post("/crm/v3/objects/deals", t_.token,
                       R"({"properties":{"dealstage":"qualifiedtobuy","hubspot_owner_id":")" +
                           owner_id + "\"}}")
                .status,
            201);
  expect_error(
      sim_->post("/crm/v3/objects/deals", t_.token,
                 R"({"properties":{"dealstage":"qualifiedtobuy","hubspot_owner_id":"1"}})"),
      400, "VALIDATION_ERROR");
}

TEST_F(CrmContract, MergeRedirectsTheMergedId) {
  std::string keep = company("Keep");
  std::string gone = company("Gone");
  Reply merged =
      sim_->post("/crm/v3/objects/companies/merge", t_.token,
                 R"({"primaryObjectId":")" + keep + R"(","objectIdToMerge":")" + gone + "\"}");
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(std::string(merged.json()["id"].GetString()), keep);
  rapidjson::Document got = sim_->get("/crm/v3/objects/companies/" + gone, t_.token).json();
  EXPECT_EQ(std::string(got["id"].GetString()), keep);
}

TEST_F(CrmContract, PortalsAreIsolated) {
  std::string id = company("Mine");
  auto other = sim_->tenant(5002);
  EXPECT_EQ(sim_->get("/crm/v3/objects/companies/" + id, other.token).status, 404);
  EXPECT_EQ(sim_->get("/crm/v3/objects/companies/" + id, t_.token).status, 200);
}

}  // namespace
}  // namespace hbsync::sim_hubspot::contract
