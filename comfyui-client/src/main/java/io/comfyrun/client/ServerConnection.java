package io.comfyrun.client;

import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.tracker.WorkflowNodes;

import java.io.Closeable;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The shared connection to one ComfyUI server: the prompts in flight on it and the parts that serve them, each named
 * for its job: the {@link SocketSession} (one WebSocket, reconnects, clientId), the {@link PromptSubmitter} (POST,
 * retry, duplicate check, id adoption), the {@link Reconciler} (HTTP rounds over /queue and /history), the
 * {@link Canceller}, the {@link ServerVersion} gates and the {@link MaintenanceTick} (deadlines, heartbeats, when to
 * reconcile). Closed by its registry once idle for a grace period.
 *
 * <p>Threads: WebSocket frames are handled on OkHttp's reader thread (short, non-blocking state updates); blocking
 * HTTP runs on the client's {@code comfyrun-io} pool; timers on {@code comfyrun-scheduler}; listener callbacks on
 * {@code comfyrun-listener}.
 */
public final class ServerConnection implements Closeable {

    private static final System.Logger LOG = System.getLogger(ServerConnection.class.getName());

    private final ComfyClient client;
    private final ServerConfig config;
    private final ComfyHttpApi http;
    private final ServerVersion version = new ServerVersion();
    private final SocketSession session;
    private final PromptSubmitter submitter;
    private final Reconciler reconciler;
    private final Canceller canceller;
    private final SocketEvents events = new SocketEvents(this);
    /** Our prompts by current id. Any thread; entries are added by submit/resume, removed when a prompt ends. */
    private final Map<String, FollowedPrompt> prompts = new ConcurrentHashMap<>();
    /** Test seam only (see RacePoints): set by a test before it submits; never changed in production. */
    volatile RacePoints racePoints = RacePoints.NONE;

    // Guarded by lock: the lifecycle (maintenance timer, idle retirement). Callers that are about to add a prompt
    // hold a use (retain/release) so an idle close can never retire a connection under them.
    private final Object lock = new Object();
    private final MaintenanceTick maintenance;
    private ScheduledFuture<?> idleClose;
    private int users;
    private boolean retired;

    ServerConnection(ComfyClient client, ServerConfig config, String clientId) {
        this.client = client;
        this.config = config;
        this.http = client.http(config);
        this.session = new SocketSession(this, config, http, version, client.baseHttp(), clientId);
        this.submitter = new PromptSubmitter(this, version);
        this.reconciler = new Reconciler(this);
        this.canceller = new Canceller(this);
        this.maintenance = new MaintenanceTick(this, client, prompts, lock);
    }

    // ------------------------------------------------------------------ inspection

    public URI baseUrl() {
        return config.baseUrl();
    }

    /** The settings of the call that opened this connection: they govern the socket, not other calls' prompts. */
    public ServerConfig config() {
        return config;
    }

    /** The clientId the socket uses now (changes only when a deaf socket forced a fresh one, §2.6). */
    public String clientId() {
        return session.clientId();
    }

    public ConnectionState state() {
        return session.state();
    }

    /** Prompts currently followed on this connection. */
    public int inFlight() {
        return prompts.size();
    }

    /** {@code system.comfyui_version} as reported by the health check, once known. */
    public Optional<String> serverVersion() {
        return version.version();
    }

    /** How many times the WebSocket was re-opened after a loss. */
    public long reconnects() {
        return session.reconnects();
    }

    /** How many times a deaf socket made the connection switch to a fresh clientId. */
    public long deafRotations() {
        return session.deafRotations();
    }

    /** How many times a silent socket was closed and opened again with the same clientId (the cure for §2.6). */
    public long resubscribes() {
        return session.resubscribes();
    }

    /**
     * The server's {@code queue_remaining} (running + pending, every client's) from the last {@code status} frame on
     * the shared socket, or -1 before the first one. No request is made: pool routing reads what the socket reported.
     */
    public int queueRemaining() {
        return events.queueRemaining();
    }

    /** What this connection knows of the server's load, without a request. */
    public ServerLoad load() {
        return new ServerLoad(baseUrl(), events.queueRemaining(), prompts.size(), session.isOpen());
    }

    /** How prompts submitted now would start being tracked. */
    public TrackingMethod currentMethod() {
        return config.mode() == TrackingMode.AUTO && state() != ConnectionState.POLLING
                ? TrackingMethod.WEBSOCKET : TrackingMethod.POLLING;
    }

    @Override
    public String toString() {
        return "ServerConnection[" + config.baseUrl() + ", clientId=" + clientId() + ", " + state() + ", inFlight="
                + inFlight() + "]";
    }

    // ------------------------------------------------------------------ submit and resume

    /** {@code promptConfig}: the caller's settings (timeouts, polling interval), applied to this prompt only. */
    PromptHandle submit(ServerConfig promptConfig, PromptRequest request, ProgressListener listener) {
        String promptId = UUID.randomUUID().toString();
        session.ensureReady();
        PromptTracker t = new PromptTracker(promptId, clientId(), config.baseUrl(), WorkflowNodes.of(request.workflow()),
                request.deadlines(), Instant.now(), currentMethod(), listener, client.listeners(), this::cancel);
        FollowedPrompt p = follow(t, promptConfig);
        if (request.beforeSubmit() != null) {
            try {
                request.beforeSubmit().accept(t.snapshot());
            } catch (RuntimeException e) {
                prompts.remove(promptId, p);
                throw e;
            }
        }
        submitter.submit(p, request.bodyFields()); // "prompt" and, when set, "extra_data"
        return t;
    }

    PromptHandle resume(PromptSnapshot snapshot, ServerConfig promptConfig, ProgressListener listener) {
        PromptTracker t = new PromptTracker(snapshot.promptId(), snapshot.clientId(), config.baseUrl(),
                WorkflowNodes.fromSnapshot(snapshot.nodes()), snapshot.deadlines(), snapshot.createdAt(), currentMethod(),
                listener, client.listeners(), this::cancel);
        t.restore(snapshot);
        FollowedPrompt p = follow(t, promptConfig);
        if (snapshot.clientId() != null && !snapshot.clientId().equals(clientId())) {
            t.orphan(); // its events go to a socket we do not have: follow it by polling
        }
        session.ensureReady().whenComplete((v, ex) -> reconciler.reconcileLater(List.of(p), Reconciler.Round.RESUME));
        return t;
    }

    private FollowedPrompt follow(PromptTracker t, ServerConfig promptConfig) {
        FollowedPrompt p = new FollowedPrompt(t, promptConfig, promptConfig.equals(config) ? http : client.http(promptConfig));
        t.onDone(done -> finished(p));
        prompts.put(t.promptId(), p);
        maintenance.start();
        return p;
    }

    private CompletableFuture<Void> cancel(PromptTracker t) {
        FollowedPrompt p = prompts.get(t.promptId());
        return p == null || p.tracker() != t ? CompletableFuture.completedFuture(null) : canceller.cancel(p);
    }

    // ------------------------------------------------------------------ lifecycle: uses, idle close

    /** Marks a caller about to add a prompt; false if this connection was retired (the registry makes a new one). */
    boolean retain() {
        synchronized (lock) {
            if (retired) {
                return false;
            }
            users++;
            if (idleClose != null) {
                idleClose.cancel(false);
                idleClose = null;
            }
            return true;
        }
    }

    void release() {
        synchronized (lock) {
            users--;
        }
        idleCheck();
    }

    private void finished(FollowedPrompt p) {
        prompts.remove(p.tracker().promptId(), p);
        reconciler.ourQueueChanged();
        idleCheck();
    }

    /** With no prompt and no caller left, the socket is closed after the idle grace (a new prompt cancels that). */
    private void idleCheck() {
        synchronized (lock) {
            if (retired || users > 0 || !prompts.isEmpty() || idleClose != null) {
                return;
            }
            try {
                idleClose = client.scheduler().schedule(this::retireIfIdle, client.settings().idleClose().toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // client closing
            }
        }
    }

    private void retireIfIdle() {
        synchronized (lock) {
            idleClose = null;
            if (retired || users > 0 || !prompts.isEmpty()) {
                return;
            }
            retired = true;
        }
        LOG.log(System.Logger.Level.DEBUG, "closing the idle connection to {0}", config.baseUrl());
        client.servers().retired(this);
        close();
    }

    // ------------------------------------------------------------------ for the parts (package-private)

    ComfyHttpApi http() {
        return http;
    }

    SocketSession session() {
        return session;
    }

    SocketEvents events() {
        return events;
    }

    Reconciler reconciler() {
        return reconciler;
    }

    Canceller canceller() {
        return canceller;
    }

    ServerVersion version() {
        return version;
    }

    ComfyClient.EngineSettings settings() {
        return client.settings();
    }

    Collection<FollowedPrompt> prompts() {
        return List.copyOf(prompts.values());
    }

    FollowedPrompt prompt(String promptId) {
        return prompts.get(promptId);
    }

    boolean hasPrompts() {
        return !prompts.isEmpty();
    }

    /** The server chose another id (older than 0.3.45); a prompt that ended meanwhile is not put back. */
    void rekey(FollowedPrompt p, String serverId) {
        PromptTracker t = p.tracker();
        prompts.remove(t.promptId(), p);
        t.renamed(serverId);
        prompts.put(serverId, p);
        if (t.isDone()) {
            prompts.remove(serverId, p);
        }
    }

    /** The earliest connect or submit deadline of a prompt not yet accepted (those need the socket or a POST). */
    Instant earliestConnectDeadline() {
        Instant earliest = null;
        for (FollowedPrompt p : prompts.values()) {
            if (!p.tracker().isAccepted()) {
                earliest = Deadlines.earliest(earliest, p.tracker().nextDeadline());
            }
        }
        return earliest;
    }

    void credentialsRefused(ComfyHttpException refused) {
        String message = credentialsMessage(refused);
        for (FollowedPrompt p : prompts.values()) {
            unreachable(p.tracker(), message);
        }
    }

    // ------------------------------------------------------------------ close and helpers

    @Override
    public void close() {
        synchronized (lock) {
            retired = true;
            if (idleClose != null) {
                idleClose.cancel(false);
                idleClose = null;
            }
        }
        maintenance.stop();
        session.close();
        for (FollowedPrompt p : List.copyOf(prompts.values())) {
            p.tracker().fail(Outcome.UNREACHABLE, List.of(new PromptError("closed", null, null, null, null,
                    "the engine was closed while prompt " + p.tracker().promptId() + " was in flight; it may still run on "
                            + config.baseUrl(), "")));
        }
        prompts.clear();
    }

    void unreachable(PromptTracker t, String message) {
        t.fail(Outcome.UNREACHABLE, List.of(new PromptError("unreachable", null, null, null, null,
                "ComfyUI server " + config.baseUrl() + ": " + message, "")));
    }

    /** The 401 or 403 behind a failure, or null when the failure is something waiting could cure. */
    static ComfyHttpException credentialsRefused(Throwable ex) {
        for (Throwable c = ex; c != null; c = c.getCause()) {
            if (c instanceof ComfyHttpException h && (h.status() == 401 || h.status() == 403)) {
                return h;
            }
        }
        return null;
    }

    /** Names the route, the status and the fix; never the body (a proxy may echo headers) nor the credential. */
    String credentialsMessage(ComfyHttpException refused) {
        String what = refused.status() == 401 ? "HTTP 401 (unauthorized)" : "HTTP 403 (forbidden)";
        return "the health check GET " + refused.route() + " was answered " + what + ", so the credentials are refused"
                + " and retrying would not help; check the credentials configured for " + config.baseUrl()
                + (refused.status() == 403 ? " (and any proxy or origin check in front of ComfyUI)" : "");
    }

    void io(Runnable task) {
        client.runIo(task, () -> { }, config.baseUrl());
    }

    void io(Runnable task, Runnable onRejected) {
        client.runIo(task, onRejected, config.baseUrl());
    }

    void schedule(Runnable task, long delayMillis) {
        client.schedule(() -> io(task), delayMillis);
    }

    <T> CompletableFuture<T> within(CompletableFuture<T> f, long millis) {
        return client.within(f, millis);
    }

    static String describe(Throwable ex) {
        Throwable c = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null ? ex.getCause() : ex;
        return c.toString();
    }

    static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String s = body.strip().replaceAll("\\s+", " ");
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    static String human(Duration d) {
        return d == null ? "unlimited" : d.toSeconds() + " s";
    }
}
