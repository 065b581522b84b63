package io.comfyrun.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * Threads and sockets alive before a case, compared with after it (with a deadline, since OkHttp and Netty
 * release their resources asynchronously after close).
 */
final class LeakProbe {

    /**
     * Process-wide singletons, not owned by any client or server: OkHttp's shared TaskRunner and Okio's
     * timeout watchdog (idle up to 60 s by design), the JDK's common pool, Netty's global executor and
     * JVM/test-runner housekeeping. Everything else must be gone after close.
     */
    private static final List<String> SHARED_PREFIXES = List.of("OkHttp TaskRunner", "Okio Watchdog",
            "ForkJoinPool.commonPool", "globalEventExecutor", "Common-Cleaner", "Attach Listener",
            "process reaper", "surefire", "JUnit", "junit", "Signal Dispatcher", "Finalizer", "Reference Handler",
            "Notification Thread", "awaitility", "Awaitility", "InnocuousThread");

    private final Set<Long> threadsBefore;
    private final long socketsBefore;

    private LeakProbe(Set<Long> threadsBefore, long socketsBefore) {
        this.threadsBefore = threadsBefore;
        this.socketsBefore = socketsBefore;
    }

    static LeakProbe capture() {
        return new LeakProbe(Thread.getAllStackTraces().keySet().stream().map(Thread::getId).collect(Collectors.toSet()),
                openSockets());
    }

    /** Threads started since {@link #capture()} that are still alive and owned by something we closed. */
    List<String> newThreads() {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !threadsBefore.contains(t.getId()) && !shared(t.getName())) {
                out.add(t.getName());
            }
        }
        return out;
    }

    long socketsDelta() {
        long now = openSockets();
        return now < 0 || socketsBefore < 0 ? 0 : now - socketsBefore;
    }

    /** Waits (bounded) until no thread and no socket is left over; returns a description of leaks, or "". */
    String awaitSettled(Duration deadline) {
        try {
            await().atMost(deadline).pollInterval(Duration.ofMillis(50))
                    .until(() -> newThreads().isEmpty() && socketsDelta() <= 0);
            return "";
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder b = new StringBuilder();
            if (!newThreads().isEmpty()) {
                b.append("leaked threads ").append(newThreads());
            }
            if (socketsDelta() > 0) {
                b.append(b.length() == 0 ? "" : "; ").append("leaked sockets +").append(socketsDelta());
            }
            return b.toString();
        }
    }

    static boolean shared(String name) {
        return SHARED_PREFIXES.stream().anyMatch(name::startsWith);
    }

    /** Open socket file descriptors of this JVM (Linux /proc); -1 where that is not available. */
    static long openSockets() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fds)) {
            return s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed between list and read
                }
            }).count();
        } catch (IOException e) {
            return -1;
        }
    }
}
