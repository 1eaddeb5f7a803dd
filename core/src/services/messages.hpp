// messages.hpp — how the services (shadow, Jobs, Fleet Provisioning, the request tracker) build
// their error messages: through the engine's formatter (mqtt/format.hpp), one out-of-line call per
// message instead of std::string concatenation at each site (code size on Cortex-M and in wasm),
// and with IOTLITE_ERROR_TEXTS 0 no text at all. Private to core/src/services.
#pragma once

#include "../mqtt/format.hpp"

namespace iotlite {
// fmt::fail<T>, fmt::fail_rule<T>, fmt::error_fmt in every service's namespace.
namespace fmt = mqtt::detail;
}  // namespace iotlite
