package io.comfyrun.client;

import java.io.Serializable;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The small, serializable state of a tracked prompt: enough to reattach after a process restart with
 * {@link ComfyClient#resume} without submitting again. Holds no credentials (the caller passes the
 * {@link ServerConfig} again on resume).
 *
 * @param server      base URL of the server the prompt was submitted to
 * @param clientId    the WebSocket clientId the prompt was submitted with
 * @param promptId    the prompt id (client-generated; the server's own on servers older than 0.3.45)
 * @param deadlines   the budgets of the request
 * @param createdAt   when the engine generated the prompt id (the submit deadline counts from here)
 * @param submittedAt when the server accepted the POST, or {@code null} if not (yet) known
 * @param startedAt   when execution started, or {@code null}
 * @param logged      opaque markers of what the caller already printed (e.g. {@code "node:3:started"})
 * @param downloaded  outputs the caller already downloaded ({@code subfolder/filename} keys)
 * @param nodes       the workflow's nodes, one {@code id<TAB>class_type} or {@code id<TAB>class_type<TAB>title} each
 *                    (the title only where it differs from the class), so a resumed prompt's log lines and status
 *                    name its nodes without the workflow being persisted; empty when unknown (older snapshots)
 */
public record PromptSnapshot(URI server, String clientId, String promptId, Deadlines deadlines, Instant createdAt,
                             Instant submittedAt, Instant startedAt, Set<String> logged, Set<String> downloaded,
                             List<String> nodes)
        implements Serializable {

    public PromptSnapshot {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(promptId, "promptId");
        Objects.requireNonNull(createdAt, "createdAt");
        deadlines = deadlines == null ? Deadlines.DEFAULTS : deadlines;
        logged = logged == null ? Set.of() : Set.copyOf(logged);
        downloaded = downloaded == null ? Set.of() : Set.copyOf(downloaded);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    /** A snapshot that does not know the workflow's nodes (a resumed prompt's nodes are then named by id only). */
    public PromptSnapshot(URI server, String clientId, String promptId, Deadlines deadlines, Instant createdAt,
                          Instant submittedAt, Instant startedAt, Set<String> logged, Set<String> downloaded) {
        this(server, clientId, promptId, deadlines, createdAt, submittedAt, startedAt, logged, downloaded, List.of());
    }

    public PromptSnapshot withLogged(String marker) {
        Set<String> s = new LinkedHashSet<>(logged);
        s.add(marker);
        return new PromptSnapshot(server, clientId, promptId, deadlines, createdAt, submittedAt, startedAt, s, downloaded, nodes);
    }

    public PromptSnapshot withDownloaded(String key) {
        Set<String> s = new LinkedHashSet<>(downloaded);
        s.add(key);
        return new PromptSnapshot(server, clientId, promptId, deadlines, createdAt, submittedAt, startedAt, logged, s, nodes);
    }

    public PromptSnapshot withDownloaded(List<String> keys) {
        Set<String> s = new LinkedHashSet<>(downloaded);
        s.addAll(keys);
        return new PromptSnapshot(server, clientId, promptId, deadlines, createdAt, submittedAt, startedAt, logged, s, nodes);
    }
}
