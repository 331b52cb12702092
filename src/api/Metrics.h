// Metrics: what GET /metrics reports, in the Prometheus text exposition format 0.0.4.
//   galaos_updater_api_requests_total{procedure,code}       counter; code "OK" or the tRPC code
//   galaos_updater_api_request_duration_seconds{procedure}  histogram
//   galaos_updater_auth_failures_total                       counter: rejected bearer tokens
//   galaos_updater_transactions{type,status}                 gauge, from the store
//   galaos_updater_step_duration_seconds{type,step}          summary (_sum, _count): the
//                                                            store's finished steps
//   galaos_updater_rollbacks{type}                           gauge: updates that ended rolled
//                                                            back (or failing to), by type;
//                                                            type "manual": rollbacks to a backup
//   galaos_updater_notifications_pending{sink}               gauge: the outbox's backlog
//   galaos_updater_updates_available{kind}                   gauge: code 0/1, docker: containers
//                                                            with an update, as the daemon's last
//                                                            check of that kind found (API or
//                                                            schedule; service/LastUpdateCheck.h;
//                                                            absent before; a scrape never checks)
//   galaos_updater_last_successful_update_timestamp_seconds  gauge (absent before the first)
//   galaos_updater_app_version_info{version}                 gauge 1 (absent when unknown)
//   galaos_updater_scrape_error                              gauge: 1 when the store or the
//                                                            version could not be read
//   process_start_time_seconds                               gauge
// Label cardinality is bounded: procedures are the router's names, any other path is
// "unknown"; codes are the fixed tRPC set. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "service/LastUpdateCheck.h"
#include "store/Store.h"

namespace galaos::api {

// What the scrape reads from outside the API: the store, the app and the last check.
struct AppGauges {
  Expected<store::TransactionStatistics> transactions = store::TransactionStatistics{};
  Expected<std::string> app_version = std::string();
  service::LastUpdateCheck::Found available{};
};

// The store's statistics, the app's current version per `config`, and what
// `last_check` holds (when given).
AppGauges CollectAppGauges(const config::Config& config, store::Store& store,
                           const service::LastUpdateCheck* last_check = nullptr);

// `value` as a label value: backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value);

class Metrics {
 public:
  // `procedures`: the names requests are counted under; `gauges` is called on each scrape.
  Metrics(std::vector<std::string> procedures, std::function<AppGauges()> gauges,
          std::chrono::system_clock::time_point process_start);

  // One tRPC call (each call of a batch counts): `code` is "OK" or a tRPC code name.
  void RecordCall(std::string_view procedure, std::string_view code,
                  std::chrono::duration<double> duration);
  void RecordAuthFailure();

  std::string Render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts at each bound
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::string_view Label(std::string_view procedure) const;

  const std::set<std::string, std::less<>> procedures_;
  const std::function<AppGauges()> gauges_;
  const std::chrono::system_clock::time_point process_start_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
  std::uint64_t auth_failures_ = 0;
};

}  // namespace galaos::api
