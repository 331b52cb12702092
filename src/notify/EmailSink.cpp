// Email over SMTP: one RFC 5322 message per notification, multipart/alternative with a
// text/plain and an HTML part (every text from the event HTML-escaped).
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <utility>

#include "core/Redact.h"
#include "net/Http.h"
#include "notify/Event.h"
#include "notify/Sinks.h"
#include "notify/Summary.h"

namespace galaos::notify {
namespace {

constexpr std::size_t kMaxSubjectBytes = 200;
constexpr std::size_t kEncodedWordBytes = 45;  // base64s to 60 chars: a 72-char encoded word
constexpr std::size_t kBodyLineChars = 76;

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// RFC 5322 date-time in UTC, independent of the locale.
std::string MailDate(std::chrono::system_clock::time_point time) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900,
                utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text.data();
}

// One header line's worth of text: control characters (CR and LF above all, which would start
// a new header) become spaces; cut to `limit` bytes on a UTF-8 boundary.
std::string OneLine(std::string_view text, std::size_t limit) {
  std::string line;
  for (char c : text.substr(0, limit)) {
    const auto byte = static_cast<unsigned char>(c);
    line += byte < 0x20 || byte == 0x7f ? ' ' : c;
  }
  if (text.size() > limit) {
    while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) {
      line.pop_back();
    }
    if (!line.empty() && static_cast<unsigned char>(line.back()) >= 0xC0) line.pop_back();
  }
  return line;
}

// RFC 2047: plain ASCII as is, otherwise UTF-8 "B" encoded words folded onto lines of their
// own (never splitting a character).
std::string EncodeSubject(std::string_view subject) {
  if (std::ranges::all_of(subject, [](unsigned char c) { return c < 0x80; })) {
    return std::string(subject);
  }
  std::string encoded;
  std::size_t start = 0;
  while (start < subject.size()) {
    std::size_t end = std::min(start + kEncodedWordBytes, subject.size());
    while (end < subject.size() && (static_cast<unsigned char>(subject[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!encoded.empty()) encoded += "\r\n ";
    encoded += "=?UTF-8?B?" + Base64(subject.substr(start, end - start)) + "?=";
    start = end;
  }
  return encoded;
}

// Addresses come from the validated config; refusing anything that could end a header or an
// SMTP command keeps a bad value from ever reaching the wire.
Status CheckAddress(std::string_view address) {
  const bool bad =
      address.empty() || std::ranges::any_of(address, [](unsigned char c) {
        return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"';
      });
  if (bad) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "refusing the email address \"" + OneLine(address, 100) +
                         "\": it contains spaces, control characters or <>,;\"");
  }
  return {};
}

std::string Domain(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string("localhost")
                                      : std::string(address.substr(at + 1));
}

std::string BodyText(const Summary& summary) {
  std::string text = summary.title + "\n\n";
  for (const auto& [label, value] : summary.fields) text += label + ": " + value + "\n";
  if (!summary.details.empty()) text += "\n" + summary.details + "\n";
  return text;
}

// Text as HTML character data or attribute value: nothing in it can open markup.
std::string EscapeHtml(std::string_view text) {
  return EscapeEntities(text, /*quotes=*/true);
}

std::string BodyHtml(const Summary& summary) {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     EscapeHtml(summary.title) + "</title></head>\n<body>\n<h2>" +
                     EscapeHtml(summary.title) + "</h2>\n<table>\n";
  for (const auto& [label, value] : summary.fields) {
    html += "<tr><th align=\"left\">" + EscapeHtml(label) + "</th><td>" + EscapeHtml(value) +
            "</td></tr>\n";
  }
  html += "</table>\n";
  if (!summary.details.empty()) html += "<pre>" + EscapeHtml(summary.details) + "</pre>\n";
  return html + "</body></html>\n";
}

std::string WrappedBase64(std::string_view bytes) {
  const std::string encoded = Base64(bytes);
  std::string wrapped;
  for (std::size_t i = 0; i < encoded.size(); i += kBodyLineChars) {
    wrapped += encoded.substr(i, kBodyLineChars) + "\r\n";
  }
  return wrapped;
}

class EmailSink final : public Sink {
 public:
  EmailSink(config::EmailSink config, core::Clock& clock, SinkOptions options)
      : config_(std::move(config)),
        clock_(clock),
        options_(std::move(options)),
        what_("SMTP server " + core::RedactUrlCredentials(config_.smtp_url)) {}

  std::string_view Name() const override { return kEmailSink; }

  Status Deliver(const store::Notification& message) override {
    if (sodium_init() < 0) return MakeError(ErrorCode::kFailed, "libsodium failed to initialise");
    TRY(WithContext(CheckAddress(config_.from), what_));
    std::vector<std::string> recipients;
    for (const std::string& to : config_.to) {
      TRY(WithContext(CheckAddress(to), what_));
      recipients.push_back("<" + to + ">");
    }
    const Summary summary = TRY(WithContext(Summarize(message), what_));
    const std::string event_id = TRY(WithContext(EventIdOf(message), what_));
    return net::SendMail({.url = config_.smtp_url,
                          .starttls = config_.starttls,
                          .username = config_.username,
                          .password = config_.password,
                          .from = "<" + config_.from + ">",
                          .recipients = recipients,
                          .message = Compose(message, summary, event_id),
                          .ca_file = options_.ca_file,
                          .timeout = options_.timeout,
                          .what = what_});
  }

 private:
  std::string Compose(const store::Notification& message, const Summary& summary,
                      const std::string& event_id) const {
    std::string to;
    for (const std::string& address : config_.to) to += (to.empty() ? "" : ", ") + address;
    std::string mail;
    mail += "Date: " + MailDate(clock_.Now()) + "\r\n";
    mail += "From: galaos-updater <" + config_.from + ">\r\n";
    mail += "To: " + to + "\r\n";
    mail += "Subject: " + EncodeSubject(OneLine(summary.title, kMaxSubjectBytes)) + "\r\n";
    mail += "Message-ID: <" + OneLine(event_id, 100) + "@" + Domain(config_.from) + ">\r\n";
    // "=_" never occurs in base64, so the boundary cannot appear inside a part.
    const std::string boundary = "=_galaos-alternative-" + OneLine(event_id, 100);
    mail += "MIME-Version: 1.0\r\n";
    mail += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
    mail += "Auto-Submitted: auto-generated\r\n";
    mail += "X-GalaOS-Event: " + OneLine(message.event_type, 100) + "\r\n";
    mail += "\r\n";
    // Plain text first: clients show the last alternative they can render.
    for (const auto& [type, body] :
         {std::pair{"text/plain", BodyText(summary)}, std::pair{"text/html", BodyHtml(summary)}}) {
      mail += "--" + boundary + "\r\n";
      mail += std::string("Content-Type: ") + type + "; charset=utf-8\r\n";
      mail += "Content-Transfer-Encoding: base64\r\n\r\n";
      mail += WrappedBase64(body);
    }
    mail += "--" + boundary + "--\r\n";
    return mail;
  }

  config::EmailSink config_;
  core::Clock& clock_;
  SinkOptions options_;
  std::string what_;
};

}  // namespace

std::unique_ptr<Sink> MakeEmailSink(const config::EmailSink& config, core::Clock& clock,
                                    const SinkOptions& options) {
  return std::make_unique<EmailSink>(config, clock, options);
}

}  // namespace galaos::notify
