// Every socket constant the platform defines, by name. A constant the
// platform lacks is absent, never faked (each entry is #ifdef-guarded in
// constants.inc). `internal` holds what lib/ needs for fcntl and poll.
#include "bsdsock.h"

#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/un.h>

#ifdef __linux__
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#endif

namespace bsdsock {

void InitConstants(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
#define BSDSOCK_CONSTANT(name) c.Set(#name, Napi::Number::New(env, static_cast<double>(name)));
#include "constants.inc"
  exports.Set("constants", c);

  Napi::Object i = Napi::Object::New(env);
  struct { const char* name; int value; } internal[] = {
      {"F_GETFD", F_GETFD}, {"F_SETFD", F_SETFD}, {"F_GETFL", F_GETFL}, {"F_SETFL", F_SETFL},
      {"FD_CLOEXEC", FD_CLOEXEC}, {"O_NONBLOCK", O_NONBLOCK}, {"POLLIN", POLLIN},
      {"POLLOUT", POLLOUT}, {"POLLERR", POLLERR}, {"POLLHUP", POLLHUP}, {"POLLNVAL", POLLNVAL},
      {"SIZEOF_SUN_PATH", static_cast<int>(sizeof(sockaddr_un{}.sun_path))},
  };
  for (auto& e : internal) i.Set(e.name, Napi::Number::New(env, e.value));
  exports.Set("internal", i);
#undef BSDSOCK_CONSTANT
}

}  // namespace bsdsock
