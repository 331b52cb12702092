// The postgres check: libpq's non-blocking connect and query, each wait bounded by the
// check's deadline (libpq's own connect_timeout has a 2 s floor and is per address).
#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <memory>
#include <string>

#include "health/Checks.h"

namespace galaos::health::detail {
namespace {

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultDeleter>;

// libpq's messages span lines ("...failed: Connection refused\n\tIs the server running...").
std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Waits until the connection's socket is readable (or writable); false on the deadline.
Expected<bool> WaitSocket(PGconn* conn, bool for_write, const CheckContext& context) {
  pollfd fd{.fd = PQsocket(conn),
            .events = static_cast<short>(for_write ? POLLOUT : POLLIN),
            .revents = 0};
  if (fd.fd < 0) return MakeError(ErrorCode::kUnavailable, "the connection has no socket");
  for (;;) {
    if (context.Expired()) return false;
    const int ready = ::poll(&fd, 1, static_cast<int>(context.Remaining().count()));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return MakeError(ErrorCode::kIo, "poll failed");
  }
}

Error Timeout(const CheckContext& context, std::string_view during) {
  return Error(ErrorCode::kTimeout, std::string(during) + " took longer than " +
                                        std::to_string(context.timeout.count()) + " ms");
}

}  // namespace

Expected<std::string> Check(const PostgresCheck& check, const CheckContext& context) {
  // Our defaults come before the URL so that the URL's own settings win.
  const char* const keywords[] = {"application_name", "dbname", nullptr};
  const char* const values[] = {"galaos-updater-health", check.url.c_str(), nullptr};
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectStartParams(keywords, values, 1));
  if (!conn) return MakeError(ErrorCode::kFailed, "libpq could not allocate a connection");
  if (PQstatus(conn.get()) == CONNECTION_BAD) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot connect to PostgreSQL: " + OneLine(PQerrorMessage(conn.get())));
  }

  for (PostgresPollingStatusType state = PGRES_POLLING_WRITING; state != PGRES_POLLING_OK;) {
    if (state == PGRES_POLLING_FAILED) {
      return std::unexpected(
          context.Failure(ErrorCode::kUnavailable,
                          "cannot connect to PostgreSQL: " + OneLine(PQerrorMessage(conn.get()))));
    }
    if (!TRY(WaitSocket(conn.get(), state == PGRES_POLLING_WRITING, context))) {
      return std::unexpected(Timeout(context, "connecting to PostgreSQL"));
    }
    state = PQconnectPoll(conn.get());
  }

  if (PQsetnonblocking(conn.get(), 1) != 0 || PQsendQuery(conn.get(), "SELECT 1") != 1) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot send SELECT 1: " + OneLine(PQerrorMessage(conn.get())));
  }
  for (int pending = PQflush(conn.get()); pending != 0; pending = PQflush(conn.get())) {
    if (pending < 0) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot send SELECT 1: " + OneLine(PQerrorMessage(conn.get())));
    }
    if (!TRY(WaitSocket(conn.get(), true, context))) {
      return std::unexpected(Timeout(context, "sending SELECT 1"));
    }
  }
  // Reads results until libpq reports the end of this query (a null result), never letting
  // PQgetResult block: it would wait past the deadline.
  bool ok = false;
  std::string failure;
  for (;;) {
    while (PQisBusy(conn.get())) {
      if (!TRY(WaitSocket(conn.get(), false, context))) {
        return std::unexpected(Timeout(context, "SELECT 1"));
      }
      if (PQconsumeInput(conn.get()) != 1) {
        return MakeError(ErrorCode::kUnavailable,
                         "SELECT 1 failed: " + OneLine(PQerrorMessage(conn.get())));
      }
    }
    const ResultHandle result(PQgetResult(conn.get()));
    if (!result) break;
    if (PQresultStatus(result.get()) == PGRES_TUPLES_OK) {
      ok = true;
    } else {
      failure = OneLine(PQresultErrorMessage(result.get()));
    }
  }
  if (!ok || !failure.empty()) {
    return MakeError(ErrorCode::kUnavailable, "SELECT 1 failed: " + failure);
  }
  const char* version = PQparameterStatus(conn.get(), "server_version");
  return std::string("PostgreSQL ") + (version != nullptr ? version : "?") + ": SELECT 1 ok";
}

}  // namespace galaos::health::detail
