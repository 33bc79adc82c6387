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
#if __has_include(<linux/can.h>)
#include <linux/can.h>
#include <linux/can/raw.h>
#define BSDSOCK_HAVE_CAN 1
#endif
#if __has_include(<linux/can/bcm.h>)
#include <linux/can/bcm.h>
#define BSDSOCK_HAVE_CAN_BCM 1
#endif
#if __has_include(<linux/can/j1939.h>)
#include <linux/can/j1939.h>
#define BSDSOCK_HAVE_J1939 1
#endif
#if __has_include(<linux/vm_sockets.h>)
#include <linux/vm_sockets.h>
#endif
#endif

namespace bsdsock {

void InitConstants(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
#define BSDSOCK_CONSTANT(name) c.Set(#name, Napi::Number::New(env, static_cast<double>(name)));
#include "constants.inc"
  // Constants the kernel headers define as enum members, not macros: no
  // #ifdef can see them, so each header's presence is checked instead.
  // Names as Python spells them (CAN_BCM_TX_SETUP is <linux/can/bcm.h>'s TX_SETUP).
  struct { const char* name; long value; } enums[] = {
#ifdef BSDSOCK_HAVE_CAN
      {"CAN_RAW_FILTER", CAN_RAW_FILTER}, {"CAN_RAW_ERR_FILTER", CAN_RAW_ERR_FILTER},
      {"CAN_RAW_LOOPBACK", CAN_RAW_LOOPBACK}, {"CAN_RAW_RECV_OWN_MSGS", CAN_RAW_RECV_OWN_MSGS},
      {"CAN_RAW_FD_FRAMES", CAN_RAW_FD_FRAMES}, {"CAN_RAW_JOIN_FILTERS", CAN_RAW_JOIN_FILTERS},
#endif
#ifdef BSDSOCK_HAVE_CAN_BCM
      {"CAN_BCM_TX_SETUP", TX_SETUP}, {"CAN_BCM_TX_DELETE", TX_DELETE}, {"CAN_BCM_TX_READ", TX_READ},
      {"CAN_BCM_TX_SEND", TX_SEND}, {"CAN_BCM_RX_SETUP", RX_SETUP}, {"CAN_BCM_RX_DELETE", RX_DELETE},
      {"CAN_BCM_RX_READ", RX_READ}, {"CAN_BCM_TX_STATUS", TX_STATUS}, {"CAN_BCM_TX_EXPIRED", TX_EXPIRED},
      {"CAN_BCM_RX_STATUS", RX_STATUS}, {"CAN_BCM_RX_TIMEOUT", RX_TIMEOUT}, {"CAN_BCM_RX_CHANGED", RX_CHANGED},
      {"CAN_BCM_SETTIMER", SETTIMER}, {"CAN_BCM_STARTTIMER", STARTTIMER},
      {"CAN_BCM_TX_COUNTEVT", TX_COUNTEVT}, {"CAN_BCM_TX_ANNOUNCE", TX_ANNOUNCE},
      {"CAN_BCM_TX_CP_CAN_ID", TX_CP_CAN_ID}, {"CAN_BCM_RX_FILTER_ID", RX_FILTER_ID},
      {"CAN_BCM_RX_CHECK_DLC", RX_CHECK_DLC}, {"CAN_BCM_RX_NO_AUTOTIMER", RX_NO_AUTOTIMER},
      {"CAN_BCM_RX_ANNOUNCE_RESUME", RX_ANNOUNCE_RESUME}, {"CAN_BCM_TX_RESET_MULTI_IDX", TX_RESET_MULTI_IDX},
      {"CAN_BCM_RX_RTR_FRAME", RX_RTR_FRAME}, {"CAN_BCM_CAN_FD_FRAME", CAN_FD_FRAME},
#endif
#ifdef BSDSOCK_HAVE_J1939
      {"SO_J1939_FILTER", SO_J1939_FILTER}, {"SO_J1939_PROMISC", SO_J1939_PROMISC},
      {"SO_J1939_SEND_PRIO", SO_J1939_SEND_PRIO}, {"SO_J1939_ERRQUEUE", SO_J1939_ERRQUEUE},
      {"SCM_J1939_DEST_ADDR", SCM_J1939_DEST_ADDR}, {"SCM_J1939_DEST_NAME", SCM_J1939_DEST_NAME},
      {"SCM_J1939_PRIO", SCM_J1939_PRIO}, {"SCM_J1939_ERRQUEUE", SCM_J1939_ERRQUEUE},
      {"J1939_NLA_PAD", J1939_NLA_PAD}, {"J1939_NLA_BYTES_ACKED", J1939_NLA_BYTES_ACKED},
      {"J1939_EE_INFO_NONE", J1939_EE_INFO_NONE}, {"J1939_EE_INFO_TX_ABORT", J1939_EE_INFO_TX_ABORT},
#endif
      {nullptr, 0},
  };
  for (auto& e : enums)
    if (e.name != nullptr) c.Set(e.name, Napi::Number::New(env, static_cast<double>(e.value)));
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
