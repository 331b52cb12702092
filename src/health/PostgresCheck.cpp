// The postgres check: libpq's non-blocking connect and query, each wait bounded by the
// check's deadline (libpq's own connect_timeout has a 2 s floor and is per address).
#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <memory>
#include <string>

#include "core/SharedLibrary.h"
#include "health/Checks.h"

namespace galaos::health::detail {
namespace {

// The libpq functions we call (our name, libpq's). libpq is loaded on first use
// (core/SharedLibrary.h): a daemon without a postgres check never carries it and its
// TLS/LDAP/Kerberos libraries.
#define GALAOS_LIBPQ_FUNCTIONS(X)               \
  X(clear, PQclear)                             \
  X(connect_poll, PQconnectPoll)                \
  X(connect_start_params, PQconnectStartParams) \
  X(consume_input, PQconsumeInput)              \
  X(error_message, PQerrorMessage)              \
  X(finish, PQfinish)                           \
  X(flush, PQflush)                             \
  X(get_result, PQgetResult)                    \
  X(is_busy, PQisBusy)                          \
  X(parameter_status, PQparameterStatus)        \
  X(result_error_message, PQresultErrorMessage) \
  X(result_status, PQresultStatus)              \
  X(send_query, PQsendQuery)                    \
  X(set_nonblocking, PQsetnonblocking)          \
  X(socket, PQsocket)                           \
  X(status, PQstatus)

struct PqApi {
#define GALAOS_DECLARE(member, function) decltype(&function) member = nullptr;
  GALAOS_LIBPQ_FUNCTIONS(GALAOS_DECLARE)
#undef GALAOS_DECLARE
};

const Expected<PqApi>& LoadPq() {
  static const Expected<PqApi> loaded = []() -> Expected<PqApi> {
    const core::SharedLibrary library = TRY(core::SharedLibrary::Open("libpq.so.5", "libpq5"));
    PqApi api;
#define GALAOS_BIND(member, function) TRY(library.Bind(api.member, #function));
    GALAOS_LIBPQ_FUNCTIONS(GALAOS_BIND)
#undef GALAOS_BIND
    return api;
  }();
  return loaded;
}

// libpq's functions, once LoadPq succeeded (Check loads it before anything else).
const PqApi& Pq() {
  return LoadPq().value();
}

struct ConnDeleter {
  void operator()(PGconn* conn) const { Pq().finish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { Pq().clear(result); }
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
  pollfd fd{.fd = Pq().socket(conn),
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
  if (!LoadPq()) return std::unexpected(LoadPq().error());
  // Our defaults come before the URL so that the URL's own settings win.
  const char* const keywords[] = {"application_name", "dbname", nullptr};
  const char* const values[] = {"galaos-updater-health", check.url.c_str(), nullptr};
  std::unique_ptr<PGconn, ConnDeleter> conn(Pq().connect_start_params(keywords, values, 1));
  if (!conn) return MakeError(ErrorCode::kFailed, "libpq could not allocate a connection");
  if (Pq().status(conn.get()) == CONNECTION_BAD) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot connect to PostgreSQL: " + OneLine(Pq().error_message(conn.get())));
  }

  for (PostgresPollingStatusType state = PGRES_POLLING_WRITING; state != PGRES_POLLING_OK;) {
    if (state == PGRES_POLLING_FAILED) {
      return std::unexpected(context.Failure(
          ErrorCode::kUnavailable,
          "cannot connect to PostgreSQL: " + OneLine(Pq().error_message(conn.get()))));
    }
    if (!TRY(WaitSocket(conn.get(), state == PGRES_POLLING_WRITING, context))) {
      return std::unexpected(Timeout(context, "connecting to PostgreSQL"));
    }
    state = Pq().connect_poll(conn.get());
  }

  if (Pq().set_nonblocking(conn.get(), 1) != 0 || Pq().send_query(conn.get(), "SELECT 1") != 1) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot send SELECT 1: " + OneLine(Pq().error_message(conn.get())));
  }
  for (int pending = Pq().flush(conn.get()); pending != 0; pending = Pq().flush(conn.get())) {
    if (pending < 0) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot send SELECT 1: " + OneLine(Pq().error_message(conn.get())));
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
    while (Pq().is_busy(conn.get())) {
      if (!TRY(WaitSocket(conn.get(), false, context))) {
        return std::unexpected(Timeout(context, "SELECT 1"));
      }
      if (Pq().consume_input(conn.get()) != 1) {
        return MakeError(ErrorCode::kUnavailable,
                         "SELECT 1 failed: " + OneLine(Pq().error_message(conn.get())));
      }
    }
    const ResultHandle result(Pq().get_result(conn.get()));
    if (!result) break;
    if (Pq().result_status(result.get()) == PGRES_TUPLES_OK) {
      ok = true;
    } else {
      failure = OneLine(Pq().result_error_message(result.get()));
    }
  }
  if (!ok || !failure.empty()) {
    return MakeError(ErrorCode::kUnavailable, "SELECT 1 failed: " + failure);
  }
  const char* version = Pq().parameter_status(conn.get(), "server_version");
  return std::string("PostgreSQL ") + (version != nullptr ? version : "?") + ": SELECT 1 ok";
}

}  // namespace galaos::health::detail
