// The board accounts and their data, in memory. Validation lives here so the
// API and the control routes that seed data apply the same rules. Not
// thread-safe: the caller holds one lock around each call and while it
// renders what a call returned.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model.hpp"
#include "outcome.hpp"

namespace hbsync::simboard {

struct TimeRange {
  std::optional<Seconds> gteq{};
  std::optional<Seconds> lteq{};
  bool contains(Seconds t) const { return (!gteq || t >= *gteq) && (!lteq || t <= *lteq); }
};

struct DateRange {
  std::optional<Date> gteq{};
  std::optional<Date> lteq{};
  bool contains(Date d) const { return (!gteq || d >= *gteq) && (!lteq || d <= *lteq); }
};

struct UserFilter {
  std::optional<std::string> email_eq{};
};

struct ClientFilter {
  std::optional<std::string> name_cont{};
  std::optional<std::string> name_disp_cont{};
  std::optional<std::string> custom_no_eq{};
  TimeRange updated_at{};
  bool include_archived = false;
};

struct ProjectFilter {
  std::optional<std::string> name_cont{};
  std::optional<int64_t> client_id_eq{};
  std::optional<std::vector<int64_t>> order_status_in{};
  std::optional<std::string> management_no_eq{};
  std::optional<int64_t> project_no_eq{};
  TimeRange created_at{};
  TimeRange updated_at{};
  bool include_lost = false;
};

struct InvoiceFilter {
  std::optional<int64_t> project_project_no_eq{};
  std::optional<int64_t> project_client_id_eq{};
  std::optional<std::vector<int64_t>> invoice_status_in{};
  std::optional<std::vector<int64_t>> project_order_status_in{};
  DateRange invoice_date{};
  TimeRange updated_at{};
};

class Store {
 public:
  explicit Store(const SimClock& clock) : clock_(clock) {}

  // Accounts and tokens (control API only). 409 when the key exists.
  Outcome<const Account*> add_account(const std::string& api_key);
  const Account* account(const std::string& api_key) const;
  Outcome<const Token*> add_token(const std::string& api_key, Token token);
  bool remove_account(const std::string& api_key);
  std::vector<std::string> account_keys() const;
  void clear();

  // A body with email, last_name, first_name, optional role_id, role_name, valid_flg.
  Outcome<const User*> add_user(const std::string& api_key, const rapidjson::Value& body);
  std::vector<const User*> users(const std::string& api_key, const UserFilter& filter) const;

  Outcome<const Client*> create_client(const std::string& api_key, const rapidjson::Value& body);
  Outcome<const Client*> update_client(const std::string& api_key, int64_t id,
                                       const rapidjson::Value& body);
  Outcome<const Client*> client(const std::string& api_key, int64_t id) const;
  Outcome<bool> delete_client(const std::string& api_key, int64_t id);
  std::vector<const Client*> clients(const std::string& api_key, const ClientFilter& filter) const;

  Outcome<const Project*> create_project(const std::string& api_key, const rapidjson::Value& body);
  Outcome<const Project*> update_project(const std::string& api_key, int64_t id,
                                         const rapidjson::Value& body);
  Outcome<const Project*> set_order_status(const std::string& api_key, int64_t id,
                                           const rapidjson::Value& body);
  Outcome<const Project*> project(const std::string& api_key, int64_t id) const;
  Outcome<bool> delete_project(const std::string& api_key, int64_t id);
  // Newest first.
  std::vector<const Project*> projects(const std::string& api_key,
                                       const ProjectFilter& filter) const;

  // Newest first.
  std::vector<const Invoice*> invoices(const std::string& api_key,
                                       const InvoiceFilter& filter) const;

  // The board user's own actions (control API), addressed by global id.
  std::optional<std::string> account_of_project(int64_t project_id) const;
  std::optional<std::string> account_of_invoice(int64_t invoice_id) const;
  Outcome<const Project*> set_total(int64_t project_id, const rapidjson::Value& body);
  Outcome<const Invoice*> add_invoice(int64_t project_id, const rapidjson::Value& body);
  Outcome<const Invoice*> set_invoice_status(int64_t invoice_id, const rapidjson::Value& body);

  void write(JsonWriter& w, const Project& project) const;
  void write(JsonWriter& w, const Invoice& invoice) const;

 private:
  Project* find_project(const std::string& api_key, int64_t id);
  std::vector<const Invoice*> invoices_of(int64_t project_id) const;
  // Spreads the project's total over its not yet billed invoices.
  void spread_total(Project& project, Seconds now);
  void add_invoice_record(const Project& project, Date date, int64_t total, int status,
                          Seconds now);

  const SimClock& clock_;
  std::map<std::string, Account> accounts_;
  // Ids are global and increasing, like rows of one shared database.
  std::map<int64_t, User> users_;
  std::map<int64_t, Client> clients_;
  std::map<int64_t, Project> projects_;
  std::map<int64_t, Invoice> invoices_;
  int64_t next_user_id_ = 1;
  int64_t next_client_id_ = 1;
  int64_t next_project_id_ = 1;
  int64_t next_invoice_id_ = 1;
};

}  // namespace hbsync::simboard
