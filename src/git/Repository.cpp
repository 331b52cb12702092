#include "git/Repository.h"

#include <git2.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "core/Redact.h"
#include "core/SharedLibrary.h"
#include "git/RefName.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>

// libgit2 1.5 leaks one PCRE2 match block per configuration entry each time it creates a
// remote (fixed upstream after 1.5 by libgit2 PR #6382); sanitizer builds must not report it.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpcre2-8.so\n";
}
#endif

namespace galaos::git {
namespace {

// The libgit2 functions we call. libgit2 is loaded on first use (core/SharedLibrary.h), the
// version these headers describe: a daemon that has not touched a repository yet does not
// carry it, libssh2, mbedTLS and Kerberos.
#define GALAOS_LIBGIT2_FUNCTIONS(X)    \
  X(blob_free)                         \
  X(blob_lookup)                       \
  X(blob_rawcontent)                   \
  X(blob_rawsize)                      \
  X(buf_dispose)                       \
  X(checkout_options_init)             \
  X(checkout_tree)                     \
  X(commit_author)                     \
  X(commit_body)                       \
  X(commit_free)                       \
  X(commit_id)                         \
  X(commit_lookup)                     \
  X(commit_summary)                    \
  X(commit_tree)                       \
  X(credential_ssh_key_from_agent)     \
  X(credential_ssh_key_new)            \
  X(credential_username_new)           \
  X(credential_userpass_plaintext_new) \
  X(describe_commit)                   \
  X(describe_format)                   \
  X(describe_format_options_init)      \
  X(describe_options_init)             \
  X(describe_result_free)              \
  X(error_last)                        \
  X(fetch_options_init)                \
  X(graph_descendant_of)               \
  X(libgit2_init)                      \
  X(object_free)                       \
  X(object_lookup)                     \
  X(object_lookup_prefix)              \
  X(object_peel)                       \
  X(oid_equal)                         \
  X(oid_fromstr)                       \
  X(oid_fromstrn)                      \
  X(oid_tostr)                         \
  X(reference_create)                  \
  X(reference_dwim)                    \
  X(reference_free)                    \
  X(reference_lookup)                  \
  X(reference_name_to_id)              \
  X(reference_peel)                    \
  X(reference_symbolic_target)         \
  X(remote_connect_ext)                \
  X(remote_connect_options_init)       \
  X(remote_create_anonymous)           \
  X(remote_fetch)                      \
  X(remote_free)                       \
  X(remote_lookup)                     \
  X(remote_ls)                         \
  X(remote_name)                       \
  X(remote_set_instance_url)           \
  X(remote_stats)                      \
  X(remote_url)                        \
  X(repository_free)                   \
  X(repository_head_detached)          \
  X(repository_head_unborn)            \
  X(repository_open_ext)               \
  X(repository_path)                   \
  X(repository_set_head)               \
  X(repository_set_head_detached)      \
  X(repository_state_cleanup)          \
  X(repository_workdir)                \
  X(revwalk_free)                      \
  X(revwalk_hide)                      \
  X(revwalk_new)                       \
  X(revwalk_next)                      \
  X(revwalk_push)                      \
  X(revwalk_sorting)                   \
  X(status_byindex)                    \
  X(status_list_entrycount)            \
  X(status_list_free)                  \
  X(status_list_new)                   \
  X(status_options_init)               \
  X(tree_entry_bypath)                 \
  X(tree_entry_free)                   \
  X(tree_entry_id)                     \
  X(tree_entry_type)                   \
  X(tree_free)

struct Git2Api {
#define GALAOS_DECLARE(function) decltype(&git_##function) function = nullptr;
  GALAOS_LIBGIT2_FUNCTIONS(GALAOS_DECLARE)
#undef GALAOS_DECLARE
};

// Loads and initialises libgit2 once (a function-local static is initialised once).
const Expected<Git2Api>& LoadLibgit2() {
  static const Expected<Git2Api> loaded = []() -> Expected<Git2Api> {
    const core::SharedLibrary library = TRY(
        core::SharedLibrary::Open("libgit2.so." LIBGIT2_SOVERSION, "libgit2-" LIBGIT2_SOVERSION));
    Git2Api api;
#define GALAOS_BIND(function) TRY(library.Bind(api.function, "git_" #function));
    GALAOS_LIBGIT2_FUNCTIONS(GALAOS_BIND)
#undef GALAOS_BIND
    if (api.libgit2_init() < 0) return MakeError(ErrorCode::kFailed, "cannot initialise libgit2");
    return api;
  }();
  return loaded;
}

// libgit2's functions, once LoadLibgit2 succeeded: every caller holds an object that only a
// loaded libgit2 made, or has called InitLibgit2 itself.
const Git2Api& Git() {
  return LoadLibgit2().value();
}

Status InitLibgit2() {
  if (!LoadLibgit2()) return std::unexpected(LoadLibgit2().error());
  return {};
}

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    (Git().*Free)(p);
  }
};
using RepositoryPtr = std::unique_ptr<git_repository, Deleter<&Git2Api::repository_free>>;
using RemotePtr = std::unique_ptr<git_remote, Deleter<&Git2Api::remote_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Deleter<&Git2Api::reference_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<&Git2Api::object_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<&Git2Api::commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<&Git2Api::tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<&Git2Api::tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<&Git2Api::blob_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, Deleter<&Git2Api::revwalk_free>>;
using StatusListPtr = std::unique_ptr<git_status_list, Deleter<&Git2Api::status_list_free>>;
using DescribeResultPtr =
    std::unique_ptr<git_describe_result, Deleter<&Git2Api::describe_result_free>>;

struct Buffer {
  git_buf buf = GIT_BUF_INIT;
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { Git().buf_dispose(&buf); }
};

ErrorCode CodeFor(int code, int error_class) {
  switch (code) {
    case GIT_ENOTFOUND:
      return ErrorCode::kNotFound;
    case GIT_EAUTH:
      return ErrorCode::kUnauthorized;
    case GIT_EOWNER:
      return ErrorCode::kForbidden;
    case GIT_EUSER:
      return ErrorCode::kCancelled;
    case GIT_EINVALIDSPEC:
    case GIT_EAMBIGUOUS:
    case GIT_EBAREREPO:
    case GIT_EPEEL:
      return ErrorCode::kInvalidArgument;
    case GIT_ENONFASTFORWARD:
    case GIT_ECONFLICT:
    case GIT_ELOCKED:
    case GIT_EMODIFIED:
    case GIT_EUNMERGED:
    case GIT_EUNCOMMITTED:
    case GIT_EINDEXDIRTY:
      return ErrorCode::kConflict;
    case GIT_ECERTIFICATE:
      return ErrorCode::kUnavailable;
    default:
      break;
  }
  switch (error_class) {
    case GIT_ERROR_NET:
    case GIT_ERROR_SSL:
    case GIT_ERROR_SSH:
    case GIT_ERROR_HTTP:
      return ErrorCode::kUnavailable;
    case GIT_ERROR_OS:
    case GIT_ERROR_FILESYSTEM:
      return ErrorCode::kIo;
    default:
      return ErrorCode::kFailed;
  }
}

enum class Domain { kLocal, kRemote };

// "<operation>: <libgit2's message>" for a negative libgit2 return code. Talking to a remote,
// an OS error is a socket error: the remote is unavailable.
std::unexpected<Error> GitError(int code, std::string_view operation,
                                Domain domain = Domain::kLocal) {
  const git_error* last = Git().error_last();
  std::string detail = last != nullptr && last->message != nullptr
                           ? last->message
                           : "libgit2 error " + std::to_string(code);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '.')) detail.pop_back();
  ErrorCode error_code = CodeFor(code, last != nullptr ? last->klass : GIT_ERROR_NONE);
  if (domain == Domain::kRemote && error_code == ErrorCode::kIo) {
    error_code = ErrorCode::kUnavailable;
  }
  return std::unexpected(Error(error_code, std::string(operation) + ": " + detail));
}

Status Check(int code, std::string_view operation, Domain domain = Domain::kLocal) {
  if (code < 0) return GitError(code, operation, domain);
  return {};
}

std::string ToHex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  Git().oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

bool IsHex(std::string_view s) {
  return std::ranges::all_of(s, [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

Expected<CommitPtr> PeelToCommit(git_object* object, std::string_view name) {
  git_object* peeled = nullptr;
  if (int rc = Git().object_peel(&peeled, object, GIT_OBJECT_COMMIT); rc < 0) {
    return GitError(rc, "'" + std::string(name) + "' does not name a commit");
  }
  return CommitPtr(reinterpret_cast<git_commit*>(peeled));
}

Expected<CommitPtr> LookupCommit(git_repository* repo, std::string_view ref_or_id) {
  TRY(WithContext(ValidateRefName(ref_or_id), "resolve"));
  const std::string name(ref_or_id);
  const std::string operation = "resolve " + name;
  git_oid oid;
  git_object* object = nullptr;
  if (name.size() == GIT_OID_HEXSZ && IsHex(name)) {
    TRY(Check(Git().oid_fromstr(&oid, name.c_str()), operation));
    TRY(Check(Git().object_lookup(&object, repo, &oid, GIT_OBJECT_ANY), operation));
    ObjectPtr owned(object);
    return PeelToCommit(owned.get(), name);
  }
  git_reference* ref = nullptr;
  int rc = Git().reference_dwim(&ref, repo, name.c_str());
  if (rc == 0) {
    ReferencePtr owned_ref(ref);
    TRY(Check(Git().reference_peel(&object, owned_ref.get(), GIT_OBJECT_ANY), operation));
    ObjectPtr owned(object);
    return PeelToCommit(owned.get(), name);
  }
  if (rc != GIT_ENOTFOUND) return GitError(rc, operation);
  if (name.size() >= GIT_OID_MINPREFIXLEN && IsHex(name)) {
    TRY(Check(Git().oid_fromstrn(&oid, name.c_str(), name.size()), operation));
    rc = Git().object_lookup_prefix(&object, repo, &oid, name.size(), GIT_OBJECT_ANY);
    if (rc != GIT_ENOTFOUND) {
      TRY(Check(rc, operation));
      ObjectPtr owned(object);
      return PeelToCommit(owned.get(), name);
    }
  }
  return MakeError(ErrorCode::kNotFound, operation + ": no commit, tag or branch has that name");
}

// refs/heads/<branch> for a short branch name from a caller.
Expected<std::string> BranchRef(std::string_view branch) {
  TRY(ValidateRefName(branch));
  if (branch == "HEAD" || branch.starts_with("refs/")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "branch '" + std::string(branch) + "' must be a short branch name");
  }
  return "refs/heads/" + std::string(branch);
}

// The directory a relative local remote is relative to: the working tree (the git directory
// of a bare repository), as when git runs in the application's directory.
std::filesystem::path BaseDirectory(git_repository* repo) {
  const char* workdir = Git().repository_workdir(repo);
  return workdir != nullptr ? workdir : Git().repository_path(repo);
}

// The path a remote URL names when it is local: "file://<path>" or a plain path (no scheme,
// no scp-like "host:" before the first '/'); nullopt for a network URL.
std::optional<std::string> LocalPath(std::string_view url) {
  constexpr std::string_view kFileScheme = "file://";
  if (url.starts_with(kFileScheme)) return std::string(url.substr(kFileScheme.size()));
  if (url.find("://") != std::string_view::npos) return std::nullopt;
  const std::size_t colon = url.find(':');
  if (colon != std::string_view::npos && colon < url.find('/')) return std::nullopt;
  return std::string(url);
}

// Points a remote with a local URL at that path made absolute against `base`. A missing
// path is kNotFound (libgit2 would say "unsupported URL protocol").
Status ResolveLocalUrl(git_remote* remote, const std::filesystem::path& base) {
  const char* url = Git().remote_url(remote);
  if (url == nullptr) return {};
  const std::optional<std::string> local = LocalPath(url);
  if (!local) return {};
  const std::filesystem::path path = base / *local;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return MakeError(ErrorCode::kNotFound, "no repository at " + path.string());
  }
  return Check(Git().remote_set_instance_url(remote, path.c_str()), "remote " + path.string());
}

Expected<RemotePtr> OpenRemote(git_repository* repo, std::string_view remote) {
  TRY(ValidateRemote(remote));
  const std::string spec(remote);
  git_remote* raw = nullptr;
  if (spec.find_first_of(":/") == std::string::npos) {
    const int rc = Git().remote_lookup(&raw, repo, spec.c_str());
    if (rc == GIT_ENOTFOUND) {
      return MakeError(ErrorCode::kNotFound,
                       "no remote named '" + spec +
                           "' is configured (a path to a repository needs a '/', e.g. ./" + spec +
                           ")");
    }
    TRY(Check(rc, "remote " + spec));
  } else {
    TRY(Check(Git().remote_create_anonymous(&raw, repo, spec.c_str()),
              "remote " + core::RedactUrlCredentials(spec)));
  }
  RemotePtr handle(raw);
  TRY(ResolveLocalUrl(handle.get(), BaseDirectory(repo)));
  return handle;
}

struct AdvertisedRef {
  std::string name;
  std::string id;
};

// The refs a connected (or since disconnected) remote advertised.
Expected<std::vector<AdvertisedRef>> AdvertisedRefs(git_remote* remote,
                                                    std::string_view operation) {
  const git_remote_head** heads = nullptr;
  std::size_t count = 0;
  TRY(Check(Git().remote_ls(&heads, &count, remote), operation));
  std::vector<AdvertisedRef> refs;
  refs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) refs.push_back({heads[i]->name, ToHex(heads[i]->oid)});
  return refs;
}

std::optional<std::string> FindRef(const std::vector<AdvertisedRef>& refs, std::string_view name) {
  for (const AdvertisedRef& ref : refs) {
    if (ref.name == name) return ref.id;
  }
  return std::nullopt;
}

FetchProgress ToProgress(const git_indexer_progress& stats) {
  return {.received_objects = stats.received_objects,
          .indexed_objects = stats.indexed_objects,
          .total_objects = stats.total_objects,
          .received_bytes = stats.received_bytes};
}

// libgit2 1.5's ssh transport never frees the known_hosts list and path it loads for each
// connection, and libssh2 1.10 leaks its list of auth methods when asked again after a refused
// key (later releases free both). Sanitizer builds ignore what is allocated while an ssh
// remote is being talked to: the libraries carry no frame pointers, so a suppression could
// only name a whole library and hide real leaks of libgit2 objects elsewhere.
class IgnoreSshTransportLeaks {
 public:
  explicit IgnoreSshTransportLeaks(std::string_view url)
      : active_(ParseSshEndpoint(url).has_value()) {
#if defined(__SANITIZE_ADDRESS__)
    if (active_) __lsan_disable();
#endif
  }
  ~IgnoreSshTransportLeaks() {
#if defined(__SANITIZE_ADDRESS__)
    if (active_) __lsan_enable();
#endif
  }
  IgnoreSshTransportLeaks(const IgnoreSshTransportLeaks&) = delete;
  IgnoreSshTransportLeaks& operator=(const IgnoreSshTransportLeaks&) = delete;

 private:
  bool active_;
};

// The state of one remote operation that libgit2's callbacks see.
struct RemoteSession {
  CredentialPlan plan;
  const FetchProgressCallback* progress = nullptr;
  std::optional<Error> failure{};  // why a callback refused; reported instead of libgit2's text
  IgnoreSshTransportLeaks ignore_ssh_leaks;
};

int OnTransferProgress(const git_indexer_progress* stats, void* payload) {
  const auto& session = *static_cast<const RemoteSession*>(payload);
  if (session.progress != nullptr) (*session.progress)(ToProgress(*stats));
  return 0;
}

// libgit2 asks again after every refused credential: each method is offered once, then the
// operation fails with the list of what was tried.
int OnCredentials(git_credential** out, const char* /*url*/, const char* user_from_url,
                  unsigned int allowed, void* payload) {
  auto& session = *static_cast<RemoteSession*>(payload);
  CredentialPlan& plan = session.plan;
  const std::string user = plan.SshUser(user_from_url != nullptr ? user_from_url : "");
  if (allowed & GIT_CREDENTIAL_USERNAME) return Git().credential_username_new(out, user.c_str());
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    if (plan.NextAgent()) return Git().credential_ssh_key_from_agent(out, user.c_str());
    if (std::optional<SshKeyFile> key = plan.NextKeyFile()) {
      return Git().credential_ssh_key_new(out, user.c_str(), nullptr, key->private_key.c_str(),
                                          nullptr);
    }
  } else if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    if (std::optional<UserPassword> credentials = plan.NextUserPassword()) {
      return Git().credential_userpass_plaintext_new(out, credentials->user.c_str(),
                                                     credentials->password.c_str());
    }
  }
  session.failure = plan.Exhausted();
  return GIT_EAUTH;
}

// ssh host keys are checked against RemoteAuth's known_hosts; TLS certificates keep
// libgit2's own verification (GIT_PASSTHROUGH).
int OnCertificate(git_cert* cert, int /*valid*/, const char* /*host*/, void* payload) {
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;
  auto& session = *static_cast<RemoteSession*>(payload);
  const auto* hostkey = reinterpret_cast<const git_cert_hostkey*>(cert);
  Status checked = [&]() -> Status {
    if (!(hostkey->type & GIT_CERT_SSH_RAW)) {
      return MakeError(ErrorCode::kFailed, "libgit2 did not pass the raw ssh host key");
    }
    const SshEndpoint endpoint = TRY(ParseSshEndpoint(session.plan.url()));
    return CheckHostKey(session.plan.auth(), endpoint,
                        std::string_view(hostkey->hostkey, hostkey->hostkey_len));
  }();
  if (checked) return 0;
  session.failure = std::move(checked).error();
  return GIT_ECERTIFICATE;
}

void InstallCallbacks(git_remote_callbacks& callbacks, RemoteSession& session) {
  callbacks.credentials = &OnCredentials;
  callbacks.certificate_check = &OnCertificate;
  if (session.progress != nullptr) callbacks.transfer_progress = &OnTransferProgress;
  callbacks.payload = &session;
}

RemoteSession SessionFor(git_remote* remote, const RemoteAuth& auth,
                         const FetchProgressCallback* progress = nullptr) {
  const std::string url = Git().remote_url(remote) != nullptr ? Git().remote_url(remote) : "";
  return {.plan = CredentialPlan(url, auth),
          .progress = progress,
          .failure = std::nullopt,
          .ignore_ssh_leaks = IgnoreSshTransportLeaks(url)};
}

// Check() for a network call: a callback's refusal is the error, with the operation's context.
Status CheckRemote(int code, std::string_view operation, const RemoteSession& session) {
  if (code >= 0) return {};
  if (session.failure) return std::unexpected(session.failure->WithContext(operation));
  return GitError(code, operation, Domain::kRemote);
}

Expected<std::vector<AdvertisedRef>> ListRemoteRefs(git_repository* repo, const RemoteAuth& auth,
                                                    std::string_view remote,
                                                    std::string_view operation) {
  RemotePtr handle = TRY(WithContext(OpenRemote(repo, remote), operation));
  git_remote_connect_options options;
  TRY(Check(Git().remote_connect_options_init(&options, GIT_REMOTE_CONNECT_OPTIONS_VERSION),
            operation));
  RemoteSession session = SessionFor(handle.get(), auth);
  InstallCallbacks(options.callbacks, session);
  TRY(CheckRemote(Git().remote_connect_ext(handle.get(), GIT_DIRECTION_FETCH, &options), operation,
                  session));
  return AdvertisedRefs(handle.get(), operation);
}

Status CheckoutTree(git_repository* repo, git_commit* commit, unsigned strategy,
                    std::string_view operation) {
  git_checkout_options options;
  TRY(Check(Git().checkout_options_init(&options, GIT_CHECKOUT_OPTIONS_VERSION), operation));
  options.checkout_strategy = strategy;
  return Check(Git().checkout_tree(repo, reinterpret_cast<git_object*>(commit), &options),
               operation);
}

ChangeKind KindOf(unsigned status) {
  if (status & GIT_STATUS_CONFLICTED) return ChangeKind::kConflicted;
  if (status & GIT_STATUS_INDEX_NEW) return ChangeKind::kAdded;
  if (status & GIT_STATUS_WT_NEW) return ChangeKind::kUntracked;
  if (status & (GIT_STATUS_INDEX_DELETED | GIT_STATUS_WT_DELETED)) return ChangeKind::kDeleted;
  if (status & (GIT_STATUS_INDEX_RENAMED | GIT_STATUS_WT_RENAMED)) return ChangeKind::kRenamed;
  if (status & (GIT_STATUS_INDEX_TYPECHANGE | GIT_STATUS_WT_TYPECHANGE)) {
    return ChangeKind::kTypeChanged;
  }
  return ChangeKind::kModified;
}

std::string StatusPath(const git_status_entry& entry) {
  const git_diff_delta* delta =
      entry.index_to_workdir != nullptr ? entry.index_to_workdir : entry.head_to_index;
  if (delta == nullptr) return {};
  return delta->new_file.path != nullptr ? delta->new_file.path : delta->old_file.path;
}

CommitInfo ToCommitInfo(git_commit* commit) {
  const git_signature* author = Git().commit_author(commit);
  const char* subject = Git().commit_summary(commit);
  const char* body = Git().commit_body(commit);
  return {.id = ToHex(*Git().commit_id(commit)),
          .subject = subject != nullptr ? subject : "",
          .body = body != nullptr ? body : "",
          .author_name = author->name,
          .author_email = author->email,
          .time = std::chrono::sys_seconds(std::chrono::seconds(author->when.time))};
}

// Parses git's long describe format "<tag>-<distance>-g<abbreviated id>".
Expected<Description> ParseLongDescription(std::string_view text) {
  const auto bad = [&] {
    return MakeError(ErrorCode::kFailed, "unexpected describe output '" + std::string(text) + "'");
  };
  const std::size_t g = text.rfind("-g");
  if (g == std::string_view::npos || g == 0) return bad();
  const std::size_t dash = text.rfind('-', g - 1);
  if (dash == std::string_view::npos || dash == 0) return bad();
  Description description{.tag = std::string(text.substr(0, dash)),
                          .abbreviated_id = std::string(text.substr(g + 2))};
  const std::string_view distance = text.substr(dash + 1, g - dash - 1);
  const auto [end, ec] =
      std::from_chars(distance.data(), distance.data() + distance.size(), description.distance);
  if (ec != std::errc() || end != distance.data() + distance.size()) return bad();
  return description;
}

Status ValidateTreePath(std::string_view path) {
  const auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "path '" + std::string(path) + "' " + std::string(why));
  };
  if (path.empty()) return bad("is empty");
  if (path.front() == '/') return bad("is absolute");
  if (path.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view component = path.substr(start, end - start);
    if (component.empty() || component == "." || component == "..") {
      return bad("has an empty, '.' or '..' component");
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

std::string Description::ToString() const {
  if (distance == 0) return tag;
  return tag + "-" + std::to_string(distance) + "-g" + abbreviated_id;
}

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kModified:
      return "modified";
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kDeleted:
      return "deleted";
    case ChangeKind::kRenamed:
      return "renamed";
    case ChangeKind::kTypeChanged:
      return "type changed";
    case ChangeKind::kUntracked:
      return "untracked";
    case ChangeKind::kConflicted:
      return "conflicted";
  }
  return "changed";
}

struct Repository::Impl {
  RepositoryPtr repo;
  RemoteAuth auth;
};

Repository::Repository(std::unique_ptr<Impl> impl, std::filesystem::path workdir)
    : impl_(std::move(impl)), workdir_(std::move(workdir)) {}
Repository::Repository(Repository&& other) noexcept = default;
Repository& Repository::operator=(Repository&& other) noexcept = default;
Repository::~Repository() = default;

Expected<Repository> Repository::Open(const std::filesystem::path& path, RemoteAuth auth) {
  TRY(InitLibgit2());
  git_repository* raw = nullptr;
  TRY(Check(Git().repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr),
            "open repository " + path.string()));
  auto impl = std::make_unique<Impl>();
  impl->repo.reset(raw);
  impl->auth = std::move(auth);
  std::string workdir;
  if (const char* dir = Git().repository_workdir(raw); dir != nullptr) workdir = dir;
  if (workdir.size() > 1 && workdir.back() == '/') workdir.pop_back();
  return Repository(std::move(impl), std::move(workdir));
}

Expected<std::string> Repository::HeadCommit() const {
  git_repository* repo = impl_->repo.get();
  const int unborn = Git().repository_head_unborn(repo);
  TRY(Check(unborn, "read HEAD"));
  if (unborn == 1)
    return MakeError(ErrorCode::kNotFound, "read HEAD: the branch has no commit yet");
  git_oid oid;
  TRY(Check(Git().reference_name_to_id(&oid, repo, "HEAD"), "read HEAD"));
  return ToHex(oid);
}

Expected<std::optional<std::string>> Repository::CurrentBranch() const {
  git_repository* repo = impl_->repo.get();
  const int detached = Git().repository_head_detached(repo);
  TRY(Check(detached, "read HEAD"));
  if (detached == 1) return std::optional<std::string>();
  git_reference* raw = nullptr;
  TRY(Check(Git().reference_lookup(&raw, repo, "HEAD"), "read HEAD"));
  ReferencePtr head(raw);
  std::string_view target = Git().reference_symbolic_target(head.get());
  constexpr std::string_view kHeads = "refs/heads/";
  if (!target.starts_with(kHeads)) {
    return MakeError(ErrorCode::kFailed, "read HEAD: points to " + std::string(target));
  }
  target.remove_prefix(kHeads.size());
  return std::optional<std::string>(std::string(target));
}

Expected<HeadState> Repository::Head() const {
  HeadState state;
  state.commit = TRY(HeadCommit());
  state.branch = TRY(CurrentBranch());
  return state;
}

Expected<std::string> Repository::ResolveCommit(std::string_view ref_or_id) const {
  CommitPtr commit = TRY(LookupCommit(impl_->repo.get(), ref_or_id));
  return ToHex(*Git().commit_id(commit.get()));
}

Expected<std::vector<RemoteTag>> Repository::ListRemoteTags(std::string_view remote) const {
  TRY(WithContext(ValidateRemote(remote), "list tags"));
  const std::string operation = "list tags of " + core::RedactUrlCredentials(remote);
  const std::vector<AdvertisedRef> refs =
      TRY(ListRemoteRefs(impl_->repo.get(), impl_->auth, remote, operation));
  constexpr std::string_view kTags = "refs/tags/";
  constexpr std::string_view kPeeled = "^{}";
  std::vector<RemoteTag> tags;
  std::map<std::string, std::string, std::less<>> peeled;
  for (const AdvertisedRef& ref : refs) {
    std::string_view name = ref.name;
    if (!name.starts_with(kTags)) continue;
    name.remove_prefix(kTags.size());
    if (name.ends_with(kPeeled)) {
      name.remove_suffix(kPeeled.size());
      peeled[std::string(name)] = ref.id;
    } else {
      tags.push_back({std::string(name), ref.id});
    }
  }
  for (RemoteTag& tag : tags) {
    if (auto it = peeled.find(tag.name); it != peeled.end()) tag.commit = it->second;
  }
  return tags;
}

Expected<std::string> Repository::RemoteBranchHead(std::string_view remote,
                                                   std::string_view branch) const {
  TRY(WithContext(ValidateRemote(remote), "read remote branch"));
  const std::string ref = TRY(WithContext(BranchRef(branch), "read remote branch"));
  const std::string operation =
      "read branch " + std::string(branch) + " of " + core::RedactUrlCredentials(remote);
  const std::vector<AdvertisedRef> refs =
      TRY(ListRemoteRefs(impl_->repo.get(), impl_->auth, remote, operation));
  if (auto id = FindRef(refs, ref)) return *id;
  return MakeError(ErrorCode::kNotFound, operation + ": the remote has no such branch");
}

Expected<FetchResult> Repository::Fetch(std::string_view remote, const FetchRequest& request,
                                        const FetchProgressCallback& progress) {
  TRY(WithContext(ValidateRemote(remote), "fetch"));
  std::optional<std::string> branch_ref;
  if (request.branch) branch_ref = TRY(WithContext(BranchRef(*request.branch), "fetch"));
  const std::string operation = "fetch " + core::RedactUrlCredentials(remote);
  if (!branch_ref && !request.tags) {
    return MakeError(ErrorCode::kInvalidArgument, operation + ": neither tags nor a branch asked");
  }
  RemotePtr handle = TRY(WithContext(OpenRemote(impl_->repo.get(), remote), operation));

  std::vector<std::string> refspecs;
  if (branch_ref) {
    const char* name = Git().remote_name(handle.get());
    refspecs.push_back("+" + *branch_ref);
    if (name != nullptr) {
      refspecs.back() += ":refs/remotes/" + std::string(name) + "/" + *request.branch;
    }
  }
  if (request.tags) refspecs.push_back("+refs/tags/*:refs/tags/*");
  std::vector<char*> refspec_pointers;
  for (std::string& refspec : refspecs) refspec_pointers.push_back(refspec.data());
  const git_strarray refspec_array{refspec_pointers.data(), refspec_pointers.size()};

  git_fetch_options options;
  TRY(Check(Git().fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION), operation));
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // tags come from the explicit refspec
  RemoteSession session = SessionFor(handle.get(), impl_->auth, progress ? &progress : nullptr);
  InstallCallbacks(options.callbacks, session);
  TRY(CheckRemote(
      Git().remote_fetch(handle.get(), &refspec_array, &options, "galaos-updater: fetch"),
      operation, session));

  FetchResult result;
  result.stats = ToProgress(*Git().remote_stats(handle.get()));
  if (branch_ref) {
    const std::vector<AdvertisedRef> refs = TRY(AdvertisedRefs(handle.get(), operation));
    result.branch_commit = FindRef(refs, *branch_ref);
    if (!result.branch_commit) {
      return MakeError(ErrorCode::kNotFound,
                       operation + ": the remote has no branch '" + *request.branch + "'");
    }
  }
  return result;
}

Expected<std::vector<WorktreeChange>> Repository::WorktreeChanges() const {
  constexpr std::string_view kOperation = "read worktree status";
  git_status_options options;
  TRY(Check(Git().status_options_init(&options, GIT_STATUS_OPTIONS_VERSION), kOperation));
  options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  // An untracked directory is listed once, as "dir/", like `git status`.
  options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
  git_status_list* raw = nullptr;
  TRY(Check(Git().status_list_new(&raw, impl_->repo.get(), &options), kOperation));
  StatusListPtr list(raw);
  std::vector<WorktreeChange> changes;
  const std::size_t count = Git().status_list_entrycount(list.get());
  for (std::size_t i = 0; i < count; ++i) {
    const git_status_entry* entry = Git().status_byindex(list.get(), i);
    if (entry == nullptr || entry->status == GIT_STATUS_CURRENT ||
        (entry->status & GIT_STATUS_IGNORED)) {
      continue;
    }
    changes.push_back({StatusPath(*entry), KindOf(entry->status)});
  }
  return changes;
}

Status Repository::CheckoutDetached(std::string_view commit) {
  git_repository* repo = impl_->repo.get();
  CommitPtr target = TRY(WithContext(LookupCommit(repo, commit), "checkout"));
  const git_oid* id = Git().commit_id(target.get());
  const std::string operation = "checkout " + ToHex(*id);
  TRY(CheckoutTree(repo, target.get(), GIT_CHECKOUT_FORCE, operation));
  return Check(Git().repository_set_head_detached(repo, id), operation);
}

Status Repository::CheckoutBranch(std::string_view branch, std::string_view commit,
                                  BranchMove move) {
  git_repository* repo = impl_->repo.get();
  const std::string ref = TRY(WithContext(BranchRef(branch), "checkout branch"));
  CommitPtr target = TRY(WithContext(LookupCommit(repo, commit), "checkout branch"));
  const git_oid* id = Git().commit_id(target.get());
  const std::string operation = "checkout branch " + std::string(branch) + " at " + ToHex(*id);

  git_oid tip;
  const int rc = Git().reference_name_to_id(&tip, repo, ref.c_str());
  if (rc == 0 && move == BranchMove::kFastForwardOnly && !Git().oid_equal(&tip, id)) {
    const int descendant = Git().graph_descendant_of(repo, id, &tip);
    TRY(Check(descendant, operation));
    if (descendant == 0) {
      return MakeError(ErrorCode::kConflict, operation + ": not a fast-forward of " + ToHex(tip));
    }
  } else if (rc < 0 && rc != GIT_ENOTFOUND) {
    return GitError(rc, operation);
  }

  TRY(CheckoutTree(repo, target.get(), GIT_CHECKOUT_FORCE, operation));
  git_reference* updated = nullptr;
  TRY(Check(Git().reference_create(&updated, repo, ref.c_str(), id, 1, operation.c_str()),
            operation));
  ReferencePtr owned(updated);
  return Check(Git().repository_set_head(repo, ref.c_str()), operation);
}

Status Repository::ResetHard(const HeadState& target) {
  git_repository* repo = impl_->repo.get();
  std::optional<std::string> ref;
  if (target.branch) ref = TRY(WithContext(BranchRef(*target.branch), "reset"));
  CommitPtr commit = TRY(WithContext(LookupCommit(repo, target.commit), "reset"));
  const git_oid* id = Git().commit_id(commit.get());
  const std::string operation = "reset to " + ToHex(*id);

  // Checked out against the current HEAD, so files that only the newer commit tracked are
  // deleted; REMOVE_UNTRACKED also deletes files an interrupted update left behind. A full
  // checkout rewrites the index from the tree, dropping anything staged.
  TRY(CheckoutTree(repo, commit.get(), GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED,
                   operation));
  if (ref) {
    git_reference* updated = nullptr;
    TRY(Check(Git().reference_create(&updated, repo, ref->c_str(), id, 1, operation.c_str()),
              operation));
    ReferencePtr owned(updated);
    TRY(Check(Git().repository_set_head(repo, ref->c_str()), operation));
  } else {
    TRY(Check(Git().repository_set_head_detached(repo, id), operation));
  }
  return Check(Git().repository_state_cleanup(repo), operation);
}

Expected<std::vector<CommitInfo>> Repository::LogBetween(std::string_view from_exclusive,
                                                         std::string_view to_inclusive) const {
  git_repository* repo = impl_->repo.get();
  CommitPtr from = TRY(WithContext(LookupCommit(repo, from_exclusive), "log"));
  CommitPtr to = TRY(WithContext(LookupCommit(repo, to_inclusive), "log"));
  const std::string operation =
      "log " + std::string(from_exclusive) + ".." + std::string(to_inclusive);
  git_revwalk* raw_walk = nullptr;
  TRY(Check(Git().revwalk_new(&raw_walk, repo), operation));
  RevwalkPtr walk(raw_walk);
  TRY(Check(Git().revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME), operation));
  TRY(Check(Git().revwalk_push(walk.get(), Git().commit_id(to.get())), operation));
  TRY(Check(Git().revwalk_hide(walk.get(), Git().commit_id(from.get())), operation));
  std::vector<CommitInfo> commits;
  git_oid oid;
  int rc = 0;
  while ((rc = Git().revwalk_next(&oid, walk.get())) == 0) {
    git_commit* raw_commit = nullptr;
    TRY(Check(Git().commit_lookup(&raw_commit, repo, &oid), operation));
    CommitPtr commit(raw_commit);
    commits.push_back(ToCommitInfo(commit.get()));
  }
  if (rc != GIT_ITEROVER) return GitError(rc, operation);
  return commits;
}

Expected<Description> Repository::DescribeTags(std::string_view commit) const {
  CommitPtr target = TRY(WithContext(LookupCommit(impl_->repo.get(), commit), "describe"));
  const std::string operation = "describe " + std::string(commit);
  git_describe_options options;
  TRY(Check(Git().describe_options_init(&options, GIT_DESCRIBE_OPTIONS_VERSION), operation));
  options.describe_strategy = GIT_DESCRIBE_TAGS;
  git_describe_result* raw = nullptr;
  if (const int rc =
          Git().describe_commit(&raw, reinterpret_cast<git_object*>(target.get()), &options);
      rc < 0) {
    const git_error* last = Git().error_last();
    if (last != nullptr && last->klass == GIT_ERROR_DESCRIBE) {
      return MakeError(ErrorCode::kNotFound,
                       operation + ": no tag is reachable (" + last->message + ")");
    }
    return GitError(rc, operation);
  }
  DescribeResultPtr result(raw);
  git_describe_format_options format;
  TRY(Check(Git().describe_format_options_init(&format, GIT_DESCRIBE_FORMAT_OPTIONS_VERSION),
            operation));
  format.always_use_long_format = 1;  // "<tag>-<n>-g<id>" even at distance 0, so it parses
  Buffer text;
  TRY(Check(Git().describe_format(&text.buf, result.get(), &format), operation));
  return WithContext(ParseLongDescription(std::string_view(text.buf.ptr, text.buf.size)),
                     operation);
}

Expected<std::string> Repository::ReadFileAtCommit(std::string_view commit,
                                                   std::string_view path) const {
  git_repository* repo = impl_->repo.get();
  TRY(WithContext(ValidateTreePath(path), "read file"));
  CommitPtr target = TRY(WithContext(LookupCommit(repo, commit), "read file"));
  const std::string operation =
      "read " + std::string(path) + " at " + ToHex(*Git().commit_id(target.get()));
  git_tree* raw_tree = nullptr;
  TRY(Check(Git().commit_tree(&raw_tree, target.get()), operation));
  TreePtr tree(raw_tree);
  git_tree_entry* raw_entry = nullptr;
  const std::string path_string(path);
  const int rc = Git().tree_entry_bypath(&raw_entry, tree.get(), path_string.c_str());
  if (rc == GIT_ENOTFOUND) {
    return MakeError(ErrorCode::kNotFound, operation + ": the commit has no such file");
  }
  TRY(Check(rc, operation));
  TreeEntryPtr entry(raw_entry);
  if (Git().tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) {
    return MakeError(ErrorCode::kInvalidArgument, operation + ": not a file");
  }
  git_blob* raw_blob = nullptr;
  TRY(Check(Git().blob_lookup(&raw_blob, repo, Git().tree_entry_id(entry.get())), operation));
  BlobPtr blob(raw_blob);
  const auto* content = static_cast<const char*>(Git().blob_rawcontent(blob.get()));
  return std::string(content, static_cast<std::size_t>(Git().blob_rawsize(blob.get())));
}

}  // namespace galaos::git
