#include "results/dashboard/bounded_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "absl/strings/str_cat.h"

namespace doomscope::results {
namespace {

using Clock = std::chrono::steady_clock;

std::string AddressOf(const sockaddr_storage& addr, int* port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  *port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    *port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    *port = ntohs(a->sin6_port);
  }
  return buf;
}

// Waits until `fd` is ready for `events` or `timeout_ms` passes.
bool WaitFor(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  while (true) {
    const int r = ::poll(&p, 1, std::max(0, timeout_ms));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

// A socket stream whose reads stop at a deadline for the whole request.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(int sock, Clock::time_point deadline, int io_timeout_ms)
      : sock_(sock), deadline_(deadline), io_timeout_ms_(io_timeout_ms) {}

  bool is_readable() const override {
    const int wait_ms = ReadWaitMs();
    return wait_ms >= 0 && WaitFor(sock_, POLLIN, wait_ms);
  }
  bool is_writable() const override { return WaitFor(sock_, POLLOUT, io_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!is_readable()) {  // the deadline or the read timeout passed
      timed_out_ = true;
      return -1;
    }
    while (true) {
      const ssize_t n = ::recv(sock_, ptr, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    while (true) {
      const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    ip.clear();
    port = 0;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip = AddressOf(addr, &port);
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    ip.clear();
    port = 0;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip = AddressOf(addr, &port);
  }

  socket_t socket() const override { return sock_; }

  // A read gave up (deadline or timeout). httplib then answers 400 and would
  // keep the connection for the next request; it must be closed instead.
  bool timed_out() const { return timed_out_; }

 private:
  // How long a read may wait; -1 once the request's deadline has passed (a
  // client that keeps sending must not read on past it either).
  int ReadWaitMs() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) return -1;
    return static_cast<int>(std::min<int64_t>(left, io_timeout_ms_));
  }

  int sock_;
  Clock::time_point deadline_;
  int io_timeout_ms_;
  bool timed_out_ = false;
};

thread_local int current_socket = -1;

void CloseSocket(int sock) {
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

}  // namespace

int BoundedHttpServer::CurrentSocket() { return current_socket; }

bool BoundedHttpServer::PeerClosed(int sock) {
  if (sock < 0) return false;
  pollfd p{sock, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  char byte = 0;
  return ::recv(sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

BoundedHttpServer::BoundedHttpServer(const HttpLimits& limits) : limits_(limits) {
  const int workers = std::max(1, limits.workers);
  new_task_queue = [workers] { return new httplib::ThreadPool(static_cast<size_t>(workers)); };
}

BoundedHttpServer::~BoundedHttpServer() { StopServing(); }

absl::StatusOr<int> BoundedHttpServer::StartServing(const std::string& host, int port, std::string_view what) {
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind
  // a port already in use and silently split the connections with it.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  if (port == 0) {
    port = bind_to_any_port(host);
    if (port <= 0) return absl::UnavailableError(absl::StrCat(std::string(what), ": cannot bind ", host));
  } else if (!bind_to_port(host, port)) {
    return absl::UnavailableError(absl::StrCat(std::string(what), ": cannot bind ", host, ":", port,
                                               " (in use, or not an address of this machine)"));
  }
  thread_ = std::thread([this] {
    listen_after_bind();
    std::lock_guard<std::mutex> lock(done_mu_);
    done_ = true;
    done_cv_.notify_all();
  });
  return port;
}

void BoundedHttpServer::StopServing() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  // httplib's stop() is a no-op until the listening thread has entered its
  // accept loop, so a stop right after the start must retry until it returns.
  {
    std::unique_lock<std::mutex> done_lock(done_mu_);
    while (thread_.joinable() && !done_) {
      stop();
      done_cv_.wait_for(done_lock, std::chrono::milliseconds(10));
    }
  }
  if (thread_.joinable()) thread_.join();
}

void BoundedHttpServer::WaitServing() {
  std::unique_lock<std::mutex> lock(done_mu_);
  done_cv_.wait(lock, [this] { return done_ || !thread_.joinable(); });
}

bool BoundedHttpServer::Acquire(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = open_[client];
  if (n >= limits_.max_connections_per_client) return false;
  ++n;
  return true;
}

void BoundedHttpServer::Release(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (--open_[client] <= 0) open_.erase(client);
}

bool BoundedHttpServer::process_and_close_socket(socket_t sock) {
  std::string client;
  {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int port = 0;
    if (::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0) client = AddressOf(addr, &port);
  }
  if (!Acquire(client)) {
    static constexpr char kBusy[] =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    if (WaitFor(sock, POLLOUT, limits_.io_timeout_ms)) (void)::send(sock, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL);
    CloseSocket(sock);
    return false;
  }
  bool ok = true;
  for (int left = std::max(1, limits_.keep_alive_max_requests); left > 0 && is_running(); --left) {
    // The first request may take the deadline to arrive; later ones on a
    // kept-alive connection wait up to the keep-alive timeout to begin.
    if (left < limits_.keep_alive_max_requests && !WaitFor(sock, POLLIN, limits_.keep_alive_timeout_ms)) break;
    DeadlineStream stream(sock, Clock::now() + std::chrono::milliseconds(limits_.request_deadline_ms),
                          limits_.io_timeout_ms);
    bool connection_closed = false;
    current_socket = sock;
    ok = process_request(stream, /*close_connection=*/left == 1, connection_closed, nullptr);
    current_socket = -1;
    if (!ok || connection_closed || stream.timed_out()) break;
  }
  CloseSocket(sock);
  Release(client);
  return ok;
}

}  // namespace doomscope::results
