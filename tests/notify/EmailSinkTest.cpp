// The email sink against a real SMTP server: the npm `smtp-server` package (pinned), run by
// node on loopback with STARTTLS or implicit TLS (a self-signed certificate made by openssl)
// and AUTH PLAIN or LOGIN. The server writes each message it accepts to a file.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "NotifyTestSupport.h"
#include "core/AtomicFile.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "notify/Deliverer.h"
#include "notify/Sinks.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"
#include "support/NodeReference.h"
#include "support/TestServices.h"

namespace galaos::notify::testing {
namespace {

using nlohmann::json;

constexpr std::string_view kPackage = "smtp-server@3.21.6";
constexpr std::string_view kUser = "galaos";
constexpr std::string_view kPassword = "smtp-pw-Q9x7-never-logged";

struct SmtpServerOptions {
  bool secure = false;   // implicit TLS (smtps)
  bool starttls = true;  // offered on a plain connection
  std::string auth_method = "PLAIN";
};

using Headers = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> Find(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// One part of a multipart body: its headers and decoded content.
struct MailPart {
  Headers headers;
  std::string body;
};

// A received message, split into unfolded headers and the parts of its
// multipart/alternative body.
struct ReceivedMail {
  json envelope;
  Headers headers;
  std::vector<MailPart> parts;

  std::optional<std::string> Header(std::string_view name) const { return Find(headers, name); }
  // The decoded content of the part of this type ("" when there is none).
  std::string Body(std::string_view content_type) const {
    for (const MailPart& part : parts) {
      if (Find(part.headers, "Content-Type") == std::string(content_type) + "; charset=utf-8") {
        return part.body;
      }
    }
    ADD_FAILURE() << "no " << content_type << " part";
    return "";
  }
};

std::string DecodeBase64(std::string_view text) {
  std::string bytes(text.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), "\r\n", &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    ADD_FAILURE() << "invalid base64: " << text;
  }
  bytes.resize(length);
  return bytes;
}

// RFC 2047 "B" encoded words (as the sink writes them) back to UTF-8.
std::string DecodeSubject(const std::string& subject) {
  static const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=)");
  std::string decoded;
  for (auto it = std::sregex_iterator(subject.begin(), subject.end(), word);
       it != std::sregex_iterator(); ++it) {
    decoded += DecodeBase64((*it)[1].str());
  }
  return decoded.empty() ? subject : decoded;
}

// Headers (unfolded) up to the empty line; `rest` gets what follows it.
Headers ParseHeaders(const std::string& data, std::string& rest) {
  Headers headers;
  const auto end = data.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos) << data;
  const std::string head = data.substr(0, end);
  for (std::size_t start = 0; start < head.size();) {
    std::size_t next = head.find("\r\n", start);
    if (next == std::string::npos) next = head.size();
    const std::string line = head.substr(start, next - start);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
      headers.back().second += line.substr(1);  // unfold
    } else {
      const auto colon = line.find(':');
      EXPECT_NE(colon, std::string::npos) << "not a header line: " << line;
      headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    start = next + 2;
  }
  rest = end == std::string::npos ? "" : data.substr(end + 4);
  return headers;
}

ReceivedMail Parse(json envelope) {
  ReceivedMail mail;
  const std::string data = envelope["data"];
  mail.envelope = std::move(envelope);
  std::string body;
  mail.headers = ParseHeaders(data, body);
  static const std::regex multipart(R"j(multipart/alternative; boundary="([^"]+)")j");
  std::smatch match;
  const std::string type = mail.Header("Content-Type").value_or("");
  if (!std::regex_match(type, match, multipart)) {
    ADD_FAILURE() << "not multipart/alternative: " << type;
    return mail;
  }
  const std::string delimiter = "--" + match[1].str();
  EXPECT_NE(body.find(delimiter + "--\r\n"), std::string::npos) << "no closing delimiter";
  for (std::size_t at = body.find(delimiter + "\r\n"); at != std::string::npos;) {
    const std::size_t start = at + delimiter.size() + 2;
    at = body.find("\r\n" + delimiter, start - 2);
    std::string content;
    MailPart part;
    part.headers = ParseHeaders(body.substr(start, at - start), content);
    EXPECT_EQ(Find(part.headers, "Content-Transfer-Encoding"), "base64");
    part.body = DecodeBase64(content);
    mail.parts.push_back(std::move(part));
    if (at == std::string::npos || body.compare(at + 2 + delimiter.size(), 2, "--") == 0) break;
    at += 2;
  }
  return mail;
}

class SmtpServer {
 public:
  static std::unique_ptr<SmtpServer> Start(const galaos::testing::NodeReference& node,
                                           const std::filesystem::path& certs,
                                           const SmtpServerOptions& options) {
    auto server = std::unique_ptr<SmtpServer>(new SmtpServer());
    server->port_ = galaos::testing::FreePort();
    const json config = {{"port", server->port_},
                         {"out_dir", server->dir_.path().string()},
                         {"secure", options.secure},
                         {"starttls", options.starttls},
                         {"auth_methods", json::array({options.auth_method})},
                         {"username", kUser},
                         {"password", kPassword},
                         {"key", (certs / "key.pem").string()},
                         {"cert", (certs / "cert.pem").string()}};
    const auto config_file = server->dir_.path() / "options.json";
    EXPECT_TRUE(core::WriteFileAtomic(config_file, config.dump()));
    core::ProcessOptions process;
    process.argv = {"node", std::string(GALAOS_SOURCE_DIR) + "/tests/notify/smtp-server.js",
                    node.PackageDir().string(), config_file.string()};
    auto started = galaos::testing::ServerProcess::Start(std::move(process), "SMTP ready");
    if (!started) {
      ADD_FAILURE() << started.error().message();
      return nullptr;
    }
    server->process_ = std::move(*started);
    return server;
  }

  int port() const { return port_; }

  std::vector<ReceivedMail> Messages() const {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      if (entry.path().extension() == ".json" && entry.path().filename() != "options.json") {
        files.push_back(entry.path());
      }
    }
    std::ranges::sort(files);
    std::vector<ReceivedMail> messages;
    for (const auto& file : files) {
      auto text = core::ReadFile(file);
      EXPECT_TRUE(text) << text.error().message();
      if (text) messages.push_back(Parse(json::parse(*text)));
    }
    return messages;
  }

 private:
  SmtpServer() = default;
  core::TempDir dir_ = std::move(*core::TempDir::Create("galaos-notify-smtp-"));
  int port_ = 0;
  std::unique_ptr<galaos::testing::ServerProcess> process_;  // stopped before dir_ goes
};

class EmailSinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto node = galaos::testing::NodeReference::Install("galaos-notify-smtp-server-",
                                                        {std::string(kPackage)});
    ASSERT_TRUE(node) << node.error().message();
    node_ = new galaos::testing::NodeReference(std::move(*node));
    certs_ = new core::TempDir(std::move(*core::TempDir::Create("galaos-notify-certs-")));
    core::ProcessOptions openssl;
    openssl.argv = {"openssl",  "req",
                    "-x509",    "-newkey",
                    "rsa:2048", "-nodes",
                    "-keyout",  (certs_->path() / "key.pem").string(),
                    "-out",     (certs_->path() / "cert.pem").string(),
                    "-days",    "2",
                    "-subj",    "/CN=localhost",
                    "-addext",  "subjectAltName=IP:127.0.0.1,DNS:localhost"};
    const auto made = core::RunChecked(std::move(openssl));
    ASSERT_TRUE(made) << made.error().message();
  }

  static void TearDownTestSuite() {
    delete node_;
    delete certs_;
  }

  void SetUp() override {
    if (node_ == nullptr) GTEST_SKIP() << "smtp-server could not be installed";
  }

  std::unique_ptr<SmtpServer> StartServer(const SmtpServerOptions& options = {}) {
    return SmtpServer::Start(*node_, certs_->path(), options);
  }

  static config::EmailSink Config(int port, std::string scheme = "smtp") {
    config::EmailSink config;
    config.smtp_url = scheme + "://127.0.0.1:" + std::to_string(port);
    config.username = kUser;
    config.password = kPassword;
    config.from = "updater@example.com";
    config.to = {"ops@example.com", "oncall@example.org"};
    config.starttls = true;
    return config;
  }

  std::unique_ptr<Sink> Email(const config::EmailSink& config) {
    return MakeEmailSink(config, clock_, {.timeout = 10s, .ca_file = certs_->path() / "cert.pem"});
  }

  static galaos::testing::NodeReference* node_;
  static core::TempDir* certs_;
  core::TestClock clock_{kNow};
};

galaos::testing::NodeReference* EmailSinkTest::node_ = nullptr;
core::TempDir* EmailSinkTest::certs_ = nullptr;

const UpdateAvailable kAvailable{.current_version = "1.2.0",
                                 .latest_version = "2.0.0",
                                 .changelog = "- feat!: new plugin API\n- fix: Grüße, naïve café",
                                 .breaking = true};

TEST_F(EmailSinkTest, SendsAnRfc5322MessageOverStartTlsWithAuthPlain) {
  const auto server = StartServer();
  ASSERT_NE(server, nullptr);
  LogCapture log;
  ASSERT_OK(Email(Config(server->port()))->Deliver(RowFor(kAvailable, "email")));

  const auto messages = server->Messages();
  ASSERT_EQ(messages.size(), 1u);
  const ReceivedMail& mail = messages[0];
  EXPECT_EQ(mail.envelope["secure"], true) << "STARTTLS was not used";
  EXPECT_EQ(mail.envelope["user"], kUser);
  EXPECT_EQ(mail.envelope["auth_method"], "PLAIN");
  EXPECT_EQ(mail.envelope["mail_from"], "updater@example.com");
  EXPECT_EQ(mail.envelope["rcpt_to"], json::array({"ops@example.com", "oncall@example.org"}));

  EXPECT_EQ(mail.Header("Date"), "Fri, 27 Nov 2026 00:10:00 +0000");
  EXPECT_EQ(mail.Header("From"), "galaos-updater <updater@example.com>");
  EXPECT_EQ(mail.Header("To"), "ops@example.com, oncall@example.org");
  EXPECT_EQ(mail.Header("Message-ID"), "<evt-0123456789abcdef01234567@example.com>");
  EXPECT_EQ(mail.Header("MIME-Version"), "1.0");
  EXPECT_EQ(mail.Header("X-GalaOS-Event"), "update_available");
  ASSERT_TRUE(mail.Header("Subject"));
  EXPECT_EQ(DecodeSubject(*mail.Header("Subject")), "Update available: 1.2.0 → 2.0.0 (breaking)");
  // multipart/alternative: the plain text first, then the HTML.
  ASSERT_EQ(mail.parts.size(), 2u);
  EXPECT_EQ(Find(mail.parts[0].headers, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Find(mail.parts[1].headers, "Content-Type"), "text/html; charset=utf-8");
  const std::string text = mail.Body("text/plain");
  EXPECT_NE(text.find("Latest version: 2.0.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- fix: Grüße, naïve café"), std::string::npos) << text;
  const std::string html = mail.Body("text/html");
  EXPECT_NE(html.find("<h2>Update available: 1.2.0 → 2.0.0 (breaking)</h2>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr><th align=\"left\">Latest version</th><td>2.0.0</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<pre>- feat!: new plugin API\n- fix: Grüße, naïve café</pre>"),
            std::string::npos)
      << html;
  EXPECT_EQ(mail.envelope["data"].get<std::string>().find(kPassword), std::string::npos);
  EXPECT_EQ(log.Text().find(kPassword), std::string::npos);
}

TEST_F(EmailSinkTest, AuthLoginWorksWhenTheServerOffersOnlyLogin) {
  const auto server = StartServer({.auth_method = "LOGIN"});
  ASSERT_NE(server, nullptr);
  ASSERT_OK(Email(Config(server->port()))->Deliver(RowFor(kAvailable, "email")));
  const auto messages = server->Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].envelope["auth_method"], "LOGIN");
}

TEST_F(EmailSinkTest, SmtpsIsTlsFromTheFirstByte) {
  const auto server = StartServer({.secure = true});
  ASSERT_NE(server, nullptr);
  ASSERT_OK(Email(Config(server->port(), "smtps"))->Deliver(RowFor(kAvailable, "email")));
  const auto messages = server->Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].envelope["secure"], true);
}

TEST_F(EmailSinkTest, RequiredStartTlsRefusesAServerThatDoesNotOfferIt) {
  const auto server = StartServer({.starttls = false});
  ASSERT_NE(server, nullptr);
  const Status result = Email(Config(server->port()))->Deliver(RowFor(kAvailable, "email"));
  ASSERT_FALSE(result);
  EXPECT_FALSE(IsPermanentFailure(result.error())) << result.error().message();
  EXPECT_EQ(result.error().message().find(kPassword), std::string::npos);
  EXPECT_TRUE(server->Messages().empty());
}

TEST_F(EmailSinkTest, RefusedRecipientIsAPermanentFailure) {
  const auto server = StartServer();
  ASSERT_NE(server, nullptr);
  config::EmailSink config = Config(server->port());
  config.to = {"reject-me@example.com"};
  const Status result = Email(config)->Deliver(RowFor(kAvailable, "email"));
  ASSERT_FALSE(result);
  EXPECT_TRUE(IsPermanentFailure(result.error())) << result.error().message();
  EXPECT_NE(result.error().message().find("SMTP 550"), std::string::npos)
      << result.error().message();
}

TEST_F(EmailSinkTest, CrLfInTheSubjectCannotInjectHeaders) {
  const auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const UpdateFailed hostile{.transaction_id = "tx-1",
                             .from_version = "1.2.0",
                             .to_version = "1.3.0\r\nBcc: attacker@evil.example\r\n\r\nowned",
                             .error = "boom"};
  ASSERT_OK(Email(Config(server->port()))->Deliver(RowFor(hostile, "email")));
  const auto messages = server->Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].envelope["rcpt_to"].size(), 2u);
  EXPECT_FALSE(messages[0].Header("Bcc"));
  const std::string subject = DecodeSubject(*messages[0].Header("Subject"));
  EXPECT_EQ(subject.find_first_of("\r\n"), std::string::npos) << subject;
  EXPECT_NE(subject.find("Bcc: attacker@evil.example"), std::string::npos) << subject;
}

// Changelogs and names come from outside (a release, a container): in the HTML part they are
// text, never markup.
TEST_F(EmailSinkTest, MarkupInTheChangelogAndNamesIsEscapedInTheHtmlPart) {
  const auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const UpdateAvailable hostile{
      .current_version = "1.2.0",
      .latest_version = "1.3.0\"><script>alert(1)</script>",
      .changelog = "- fix: <img src=x onerror=alert(2)> & </pre><a href='//evil'>x</a>",
      .containers = {{.name = "<b>web</b>",
                      .image = "app:1",
                      .current_digest = "sha256:aa",
                      .latest_digest = "sha256:bb"}}};
  ASSERT_OK(Email(Config(server->port()))->Deliver(RowFor(hostile, "email")));
  const auto messages = server->Messages();
  ASSERT_EQ(messages.size(), 1u);
  const std::string html = messages[0].Body("text/html");
  for (const std::string_view injected : {"<script", "<img", "</pre><a", "<b>", "'//evil'"}) {
    EXPECT_EQ(html.find(injected), std::string::npos) << injected << " in\n" << html;
  }
  EXPECT_NE(html.find("1.3.0&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos)
      << html;
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(2)&gt; &amp; &lt;/pre&gt;&lt;a "
                      "href=&#39;//evil&#39;&gt;x&lt;/a&gt;"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<th align=\"left\">Container &lt;b&gt;web&lt;/b&gt;</th>"),
            std::string::npos)
      << html;
  // The plain part keeps the text as it is.
  EXPECT_NE(messages[0].Body("text/plain").find("<img src=x onerror=alert(2)>"), std::string::npos);
}

TEST_F(EmailSinkTest, AnAddressWithALineBreakIsRefusedBeforeConnecting) {
  config::EmailSink config = Config(galaos::testing::FreePort());
  config.to = {"ops@example.com\r\nRCPT TO:<attacker@evil.example>"};
  const Status result = Email(config)->Deliver(RowFor(kAvailable, "email"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << result.error().message();
}

// Through the Deliverer: a wrong password fails for good at once, and neither the recorded
// error nor the log ever holds the password.
TEST_F(EmailSinkTest, WrongPasswordFailsForGoodWithoutThePasswordInErrorsOrLogs) {
  const auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::string wrong = "wrong-pw-Zk31-never-logged";
  config::EmailSink config = Config(server->port());
  config.password = wrong;
  auto dir = core::TempDir::Create("galaos-notify-email-");
  ASSERT_TRUE(dir);
  auto store = store::OpenSqliteStore(dir->path() / "state.db", clock_);
  ASSERT_TRUE(store) << store.error().message();
  const std::vector<std::string> sinks = {"database", "email"};
  ASSERT_OK(Enqueue(**store, kAvailable, sinks, kNow));

  LogCapture log;
  std::vector<std::unique_ptr<Sink>> email;
  email.push_back(Email(config));
  Deliverer deliverer(**store, clock_, std::move(email), DeliveryPolicy{});
  ASSERT_OK_AND_ASSIGN(const DeliveryRound round, deliverer.DeliverDue());
  EXPECT_EQ(round.failed, 1);

  ASSERT_OK_AND_ASSIGN(auto failed,
                       (*store)->ListNotifications({.status = store::OutboxStatus::kFailed}));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].last_error.find("SMTP server smtp://127.0.0.1"), std::string::npos)
      << failed[0].last_error;
  for (const std::string& text : {failed[0].last_error, log.Text()}) {
    EXPECT_EQ(text.find(wrong), std::string::npos) << text;
    EXPECT_EQ(text.find(kPassword), std::string::npos) << text;
  }
  EXPECT_TRUE(server->Messages().empty());
}

}  // namespace
}  // namespace galaos::notify::testing
