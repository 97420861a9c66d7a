// CMicroHTTPD: libmicrohttpd for the HTTP engine, the only Swift module that imports it.
//
// MHD_start_daemon and MHD_get_daemon_info are variadic, which Swift cannot call.
// These static inline wrappers let the C compiler type-check and promote every
// variadic argument (the GRDB sqlite3_config pattern; see notes/swift-c-interop.md).
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>

/// Starts a daemon with the options the studio uses. `addr` is only read during the call.
static inline struct MHD_Daemon *CMicroHTTPD_start(
    unsigned int flags, uint16_t port, const struct sockaddr *addr,
    MHD_AccessHandlerCallback handler, void *handler_cls,
    MHD_RequestCompletedCallback completed, void *completed_cls,
    MHD_NotifyConnectionCallback notify_connection, void *notify_cls,
    unsigned int thread_pool_size, unsigned int connection_timeout,
    size_t connection_memory_limit, unsigned int connection_limit,
    unsigned int listen_backlog)
{
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
        MHD_OPTION_SOCK_ADDR, addr,
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, notify_cls,
        MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
        MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory_limit,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, listen_backlog,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_END);
}

/// The port the daemon listens on (for port 0), or 0.
static inline uint16_t CMicroHTTPD_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

/// The socket of a connection (for the header-deadline watchdog), or -1.
static inline int CMicroHTTPD_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

/// The peer address of a connection as text (IPv4 or IPv6), written into `buf`.
static inline int CMicroHTTPD_client_address(struct MHD_Connection *connection, char *buf, size_t len) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr || len == 0) return -1;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET) {
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len) ? 0 : -1;
    } else if (sa->sa_family == AF_INET6) {
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len) ? 0 : -1;
    }
    return -1;
}

/// The per-socket context pointer that the connection-notify callback stored, or NULL.
static inline void *CMicroHTTPD_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/// Whether a TCP connection received data from its peer but has sent nothing back (no data
/// segment out, nothing queued): 1 yes, 0 no, -1 unknown.
static inline int CMicroHTTPD_unanswered(int fd) {
    // glibc's struct tcp_info stops at tcpi_total_retrans; the kernel's goes on with these
    // counters (linux/tcp.h, whose own struct clashes with glibc's inside one module).
    struct {
        struct tcp_info base;
        uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
        uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    } info;
    socklen_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -1;
    if (len < (socklen_t)sizeof(info)) return -1;
    return info.data_segs_in > 0 && info.data_segs_out == 0 && info.notsent_bytes == 0;
}

/// Writes `len` bytes without blocking and without SIGPIPE; best effort (returns what send returned).
static inline long CMicroHTTPD_send_nowait(int fd, const void *buf, size_t len) {
    return (long)send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}
