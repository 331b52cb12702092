#include "api/Metrics.h"

#include <fmt/format.h>

#include <array>

#include "release/CurrentVersion.h"

namespace galaos::api {
namespace {

// From a quick query to a code update that installs and builds for minutes.
constexpr std::array<double, 14> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                         1,     2.5,  5,     10,   60,  300,  1800};
constexpr std::string_view kUnknownProcedure = "unknown";

double Seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

AppGauges CollectAppGauges(const config::Config& config, store::Store& store,
                           const service::LastUpdateCheck* last_check) {
  AppGauges gauges;
  if (last_check) gauges.available = last_check->Get();
  gauges.transactions = store.GetTransactionStatistics();
  Expected<semver::Version> version =
      release::CurrentVersion(config.app.root, config.update.version_source);
  gauges.app_version =
      version ? Expected<std::string>(version->ToString()) : std::unexpected(version.error());
  return gauges;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Metrics::Metrics(std::vector<std::string> procedures, std::function<AppGauges()> gauges,
                 std::chrono::system_clock::time_point process_start)
    : procedures_(procedures.begin(), procedures.end()),
      gauges_(std::move(gauges)),
      process_start_(process_start) {}

std::string_view Metrics::Label(std::string_view procedure) const {
  auto known = procedures_.find(procedure);
  return known == procedures_.end() ? kUnknownProcedure : std::string_view(*known);
}

void Metrics::RecordCall(std::string_view procedure, std::string_view code,
                         std::chrono::duration<double> duration) {
  const std::string label(Label(procedure));
  std::lock_guard lock(mutex_);
  ++requests_[{label, std::string(code)}];
  Histogram& histogram = durations_[label];
  if (histogram.buckets.empty()) histogram.buckets.resize(kBounds.size());
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (duration.count() <= kBounds[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += duration.count();
}

void Metrics::RecordAuthFailure() {
  std::lock_guard lock(mutex_);
  ++auth_failures_;
}

std::string Metrics::Render() const {
  // Outside the lock: the store may be slow, and requests must not wait for a scrape.
  const AppGauges gauges = gauges_ ? gauges_() : AppGauges{};
  std::string out;
  auto append = [&out](std::string_view format, auto&&... args) {
    fmt::vformat_to(std::back_inserter(out), format, fmt::make_format_args(args...));
  };
  {
    std::lock_guard lock(mutex_);
    Family(out, "galaos_updater_api_requests_total", "counter",
           "tRPC calls by procedure and result code (each call of a batch counts).");
    for (const auto& [key, count] : requests_) {
      append("galaos_updater_api_requests_total{{procedure=\"{}\",code=\"{}\"}} {}\n",
             EscapeLabelValue(key.first), EscapeLabelValue(key.second), count);
    }
    Family(out, "galaos_updater_api_request_duration_seconds", "histogram",
           "Time to answer a tRPC call, by procedure.");
    for (const auto& [procedure, histogram] : durations_) {
      const std::string label = EscapeLabelValue(procedure);
      for (std::size_t i = 0; i < kBounds.size(); ++i) {
        append(
            "galaos_updater_api_request_duration_seconds_bucket{{procedure=\"{}\",le=\"{}\"}} "
            "{}\n",
            label, kBounds[i], histogram.buckets[i]);
      }
      append(
          "galaos_updater_api_request_duration_seconds_bucket{{procedure=\"{}\",le=\"+Inf\"}} "
          "{}\n",
          label, histogram.count);
      append("galaos_updater_api_request_duration_seconds_sum{{procedure=\"{}\"}} {}\n", label,
             histogram.sum);
      append("galaos_updater_api_request_duration_seconds_count{{procedure=\"{}\"}} {}\n", label,
             histogram.count);
    }
    Family(out, "galaos_updater_auth_failures_total", "counter",
           "Requests refused because their bearer token was invalid.");
    append("galaos_updater_auth_failures_total {}\n", auth_failures_);
  }

  Family(out, "galaos_updater_transactions", "gauge",
         "Update transactions in the store by type and status.");
  if (gauges.transactions) {
    for (const store::TransactionCount& count : gauges.transactions->counts) {
      append("galaos_updater_transactions{{type=\"{}\",status=\"{}\"}} {}\n",
             store::Name(count.type), store::Name(count.status), count.count);
    }
    Family(out, "galaos_updater_step_duration_seconds", "summary",
           "Durations of the finished steps in the store, by transaction type and step.");
    for (const store::StepDurationTotal& step : gauges.transactions->step_durations) {
      const std::string labels = fmt::format("type=\"{}\",step=\"{}\"", store::Name(step.type),
                                             EscapeLabelValue(step.step));
      append("galaos_updater_step_duration_seconds_sum{{{}}} {}\n", labels, step.seconds);
      append("galaos_updater_step_duration_seconds_count{{{}}} {}\n", labels, step.count);
    }
    Family(out, "galaos_updater_notifications_pending", "gauge",
           "Notifications waiting in the outbox, by sink.");
    for (const store::SinkBacklog& sink : gauges.transactions->notification_backlog) {
      append("galaos_updater_notifications_pending{{sink=\"{}\"}} {}\n",
             EscapeLabelValue(sink.sink), sink.pending);
    }
    Family(out, "galaos_updater_rollbacks", "gauge",
           "Updates that ended rolled back or failing to roll back, by type; type \"manual\": "
           "rollbacks to a backup.");
    std::map<std::string, std::int64_t> rollbacks;
    for (const store::TransactionCount& count : gauges.transactions->counts) {
      if (count.type == store::TransactionType::kRollback) {
        rollbacks["manual"] += count.count;
      } else if (count.status == store::TransactionStatus::kRolledBack ||
                 count.status == store::TransactionStatus::kRollbackFailed) {
        rollbacks[std::string(store::Name(count.type))] += count.count;
      }
    }
    for (const auto& [type, count] : rollbacks) {
      append("galaos_updater_rollbacks{{type=\"{}\"}} {}\n", type, count);
    }
    if (gauges.transactions->last_update_succeeded_at) {
      Family(out, "galaos_updater_last_successful_update_timestamp_seconds", "gauge",
             "When the last successful update (code, docker or full) completed.");
      append("galaos_updater_last_successful_update_timestamp_seconds {}\n",
             Seconds(*gauges.transactions->last_update_succeeded_at));
    }
  }
  if (gauges.available.code || gauges.available.containers) {
    Family(out, "galaos_updater_updates_available", "gauge",
           "What the daemon's last update check found: code 0 or 1, docker the containers "
           "with a newer image.");
    if (gauges.available.code) {
      append("galaos_updater_updates_available{{kind=\"code\"}} {}\n",
             *gauges.available.code ? 1 : 0);
    }
    if (gauges.available.containers) {
      append("galaos_updater_updates_available{{kind=\"docker\"}} {}\n",
             *gauges.available.containers);
    }
  }
  if (gauges.app_version) {
    Family(out, "galaos_updater_app_version_info", "gauge",
           "The version the application runs now (always 1).");
    append("galaos_updater_app_version_info{{version=\"{}\"}} 1\n",
           EscapeLabelValue(*gauges.app_version));
  }
  Family(out, "galaos_updater_scrape_error", "gauge",
         "1 when the store or the application's version could not be read for this scrape.");
  append("galaos_updater_scrape_error {}\n", gauges.transactions && gauges.app_version ? 0 : 1);
  Family(out, "process_start_time_seconds", "gauge",
         "Start time of the process since unix epoch in seconds.");
  append("process_start_time_seconds {}\n", Seconds(process_start_));
  return out;
}

}  // namespace galaos::api
