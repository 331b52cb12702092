// galaos-digest-check: the image update check's registry half, for bench/docker/run.sh —
// RegistryClient::ManifestDigests over the references given as arguments (one client, its
// default concurrency and keep-alive connections), as `docker check` runs it.
// Prints "<reference> <digest>" per reference; exits 1 if any check failed.
#include <cstdio>
#include <vector>

#include "docker/RegistryClient.h"

int main(int argc, char** argv) {
  using namespace galaos;
  std::vector<docker::ImageReference> references;
  for (int i = 1; i < argc; ++i) {
    const Expected<docker::ImageReference> reference = docker::ImageReference::Parse(argv[i]);
    if (!reference) {
      std::fprintf(stderr, "%s: %s\n", argv[i], reference.error().message().c_str());
      return 2;
    }
    references.push_back(*reference);
  }
  docker::RegistryClient client{docker::RegistryOptions{}};
  const std::vector<Expected<std::string>> digests = client.ManifestDigests(references);
  int status = 0;
  for (std::size_t i = 0; i < digests.size(); ++i) {
    if (digests[i]) {
      std::printf("%s %s\n", argv[i + 1], digests[i]->c_str());
    } else {
      std::fprintf(stderr, "%s: %s\n", argv[i + 1], digests[i].error().message().c_str());
      status = 1;
    }
  }
  return status;
}
