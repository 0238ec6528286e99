// Picks and builds a Poller backend. Kept apart from poller.ts so the interface
// module does not pull in every backend's FFI bindings.
import { EpollPoller } from "./poller-epoll.ts";
import { KqueuePoller } from "./poller-kqueue.ts";
import { PollPoller } from "./poller-poll.ts";
import { defaultBackend, type Poller, type PollerBackend } from "./poller.ts";

export function createPoller(backend: PollerBackend = defaultBackend()): Poller {
  switch (backend) {
    case "epoll":
      return new EpollPoller();
    case "kqueue":
      return new KqueuePoller();
    case "poll":
      return new PollPoller();
  }
}
