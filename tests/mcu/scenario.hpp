// The device scenario of tests/mcu, one source for two builds: the Cortex-M4 image run under
// QEMU (main_mcu.cpp) and an ordinary host executable (main_host.cpp) as a cross-check.
#pragma once

namespace iotlite::mcu {

// Drives the core's real MQTT engine, device shadow client and SigV4 signer through one device
// session with scripted broker bytes and a fake clock: presign, CONNECT/CONNACK, SUBSCRIBE/SUBACK,
// a QoS 1 publish and its PUBACK, a broker restart (backoff, reconnect, re-subscribe, DUP resend),
// a shadow update answered on /accepted, DISCONNECT. Prints one line per check on stdout and stops
// at the first failed one (later steps build on it). Returns the number of failed checks.
// after_step, when given, is called after each step with its name (the QEMU image measures the
// stack per step there).
using StepHook = void (*)(const char* step);
int run_scenario(StepHook after_step = nullptr);

}  // namespace iotlite::mcu
