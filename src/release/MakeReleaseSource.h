// The release source a configuration asks for.
#pragma once

#include <memory>

#include "config/Config.h"
#include "core/Clock.h"
#include "git/Repository.h"
#include "release/Release.h"
#include "release/ResponseCache.h"

namespace galaos::release {

// update.source: git -> the tags of git.remote; github -> the GitHub releases of github.repo
// (token and api_url from [github]), their commits resolved through git.remote; auto ->
// github when github.repo is set, else git. `repository`, `cache` (may be null) and `clock`
// must outlive the source.
Expected<std::unique_ptr<ReleaseSource>> MakeReleaseSource(const config::Config& config,
                                                           git::Repository& repository,
                                                           ResponseCache* cache,
                                                           core::Clock& clock);

}  // namespace galaos::release
