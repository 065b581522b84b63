package io.comfyrun.client;

import io.comfyrun.client.http.HttpClients;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.workflow.ui.NodeCatalogue;
import io.comfyrun.client.workflow.ui.NodeCatalogueSource;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's entry point: submits workflows to ComfyUI servers and follows them to a result.
 * Owns one {@link ServerRegistry} (one WebSocket per server and credentials), named executors and an
 * OkHttp client; close it to release all of them.
 *
 * <pre>{@code
 * try (ComfyClient comfy = ComfyClient.create()) {
 *     PromptHandle h = comfy.submit(ServerConfig.of("http://gpu-1:8188"), PromptRequest.of(workflow), System.out::println);
 *     PromptResult r = h.result().join();
 * }
 * }</pre>
 */
public final class ComfyClient implements Closeable {

    private static final System.Logger LOG = System.getLogger(ComfyClient.class.getName());

    private final OkHttpClient baseHttp;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService io;
    private final ExecutorService listeners;
    private final ServerRegistry registry;
    private final EngineSettings settings;
    /** Node catalogues by server base URL; any thread, a lost race only fetches twice. */
    private final Map<String, NodeCatalogue> catalogues = new ConcurrentHashMap<>();

    private ComfyClient(Builder b) {
        this.settings = new EngineSettings(b.silenceReconcile, b.heartbeat, b.reconnectCap, b.reconnectCapWhilePolling,
                b.maintenanceTick, b.idleClose);
        this.scheduler = new ScheduledThreadPoolExecutor(1, named("comfyrun-scheduler"));
        ((ScheduledThreadPoolExecutor) scheduler).setRemoveOnCancelPolicy(true);
        // Blocking HTTP calls (POST /prompt, reconcile, polling) run here, never on the WebSocket reader.
        ThreadPoolExecutor ioPool = new ThreadPoolExecutor(b.ioThreads, b.ioThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named("comfyrun-io"));
        ioPool.allowCoreThreadTimeOut(true);
        this.io = ioPool;
        ThreadPoolExecutor listenerPool = new ThreadPoolExecutor(b.listenerThreads, b.listenerThreads, 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), named("comfyrun-listener"));
        listenerPool.allowCoreThreadTimeOut(true);
        this.listeners = listenerPool;
        Dispatcher dispatcher = new Dispatcher(new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), named("comfyrun-okhttp")));
        dispatcher.setMaxRequestsPerHost(64);
        this.baseHttp = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(16, 1, TimeUnit.MINUTES))
                .build();
        this.registry = new ServerRegistry(this);
    }

    /** A client with default settings. */
    public static ComfyClient create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Submits a workflow and returns at once. {@link PromptRequest#beforeSubmit()} runs on this thread before
     * anything is sent; connecting and posting happen on engine threads. The server's socket is shared with every
     * other prompt on it; {@code server}'s timeouts and polling interval apply to this prompt whatever the others use.
     */
    public PromptHandle submit(ServerConfig server, PromptRequest request, ProgressListener listener) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(request, "request");
        ProgressListener l = listener == null ? ProgressListener.NONE : listener;
        return registry.use(server, null, c -> c.submit(server, request, l));
    }

    /**
     * Reattaches to a prompt submitted earlier (possibly by another process) and reconciles its state over
     * HTTP. Never submits: a prompt that the server no longer knows ends as {@link Outcome#LOST}.
     */
    public PromptHandle resume(PromptSnapshot snapshot, ServerConfig server, ProgressListener listener) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(server, "server");
        requireUuid(snapshot.promptId());
        ProgressListener l = listener == null ? ProgressListener.NONE : listener;
        // A connection made now takes the snapshot's clientId (a restarted JVM hears the prompt's events again); an
        // existing one keeps its own and polls the prompt. Either way one connection per server, however many resume.
        return registry.use(server, snapshot.clientId(), c -> c.resume(snapshot, server, l));
    }

    /**
     * ComfyUI prompt ids are UUIDs (ours, and the server's own on older versions). Anything else in a snapshot is
     * corrupt or forged, and it would be put in request paths ({@code /history/<id>}): refuse it up front.
     */
    private static void requireUuid(String promptId) {
        try {
            if (promptId.length() == 36 && java.util.UUID.fromString(promptId).toString().equalsIgnoreCase(promptId)) {
                return;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        String shown = promptId.codePoints().mapToObj(c -> Character.isISOControl(c) ? String.format("\\u%04x", c)
                : Character.toString(c)).collect(java.util.stream.Collectors.joining());
        throw new IllegalArgumentException("cannot resume: prompt id '" + shown + "' is not a UUID (ComfyUI prompt ids"
                + " look like 3f2b6c1e-...); the saved prompt state is corrupt or was edited");
    }

    /** The shared connections, one per server (URL, credentials, trust, mode), and their {@link ServerLoad}. */
    public ServerRegistry servers() {
        return registry;
    }

    /**
     * The node catalogue ({@code GET /object_info}) of {@code server}, fetched on first use and cached for the life
     * of this client; {@link NodeCatalogueSource#refetch()} fetches it again (a converter does so once when it meets
     * a class the cached one lacks). Used to convert UI-format workflows.
     */
    public NodeCatalogueSource nodeCatalogue(ServerConfig server) {
        Objects.requireNonNull(server, "server");
        String key = server.baseUrl().toString();
        String label = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
        return new NodeCatalogueSource() {
            @Override
            public NodeCatalogue catalogue() throws IOException {
                NodeCatalogue cached = catalogues.get(key);
                return cached != null ? cached : refetch();
            }

            @Override
            public NodeCatalogue refetch() throws IOException {
                NodeCatalogue fresh = NodeCatalogue.parse(http(server).objectInfo(), label);
                catalogues.put(key, fresh);
                return fresh;
            }
        };
    }

    /** REST access to a server with its auth, timeouts and base path applied. */
    public ComfyHttpApi http(ServerConfig server) {
        return new ComfyHttpApi(server, HttpClients.forServer(baseHttp, server));
    }

    @Override
    public void close() {
        registry.close();
        scheduler.shutdownNow();
        io.shutdownNow();
        listeners.shutdown();
        baseHttp.dispatcher().executorService().shutdown();
        baseHttp.connectionPool().evictAll();
        try {
            if (!listeners.awaitTermination(2, TimeUnit.SECONDS)) {
                listeners.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.DEBUG, "comfyRun engine closed");
    }

    /** Runs a blocking engine task on {@code comfyrun-io}; a failure is logged, naming the server it was for. */
    void runIo(Runnable task, Runnable onRejected, java.net.URI server) {
        try {
            io.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "engine task for " + server + " failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            onRejected.run();
        }
    }

    /** Runs {@code task} on the scheduler after {@code delayMillis}; nothing once the client is closing. */
    void schedule(Runnable task, long delayMillis) {
        try {
            scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // client closing
        }
    }

    /** {@code f}, or a TimeoutException after {@code millis}, without the JDK's hidden delayer thread. */
    <T> java.util.concurrent.CompletableFuture<T> within(java.util.concurrent.CompletableFuture<T> f, long millis) {
        java.util.concurrent.CompletableFuture<T> out = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.ScheduledFuture<?> timer;
        try {
            timer = scheduler.schedule(() -> out.completeExceptionally(new java.util.concurrent.TimeoutException(
                    "no answer within " + millis + " ms")), millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.completeExceptionally(e);
            return out;
        }
        f.whenComplete((v, ex) -> {
            timer.cancel(false);
            if (ex == null) {
                out.complete(v);
            } else {
                out.completeExceptionally(ex);
            }
        });
        return out;
    }

    OkHttpClient baseHttp() {
        return baseHttp;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    ExecutorService io() {
        return io;
    }

    ExecutorService listeners() {
        return listeners;
    }

    EngineSettings settings() {
        return settings;
    }

    /** Engine tuning knobs; defaults suit production. Tests shorten them. */
    record EngineSettings(Duration silenceReconcile, Duration heartbeat, Duration reconnectCap,
                          Duration reconnectCapWhilePolling, Duration maintenanceTick, Duration idleClose) {
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Options for a {@link ComfyClient}. */
    public static final class Builder {
        private Duration silenceReconcile = Duration.ofSeconds(30);
        private Duration heartbeat = Duration.ofSeconds(30);
        private Duration reconnectCap = Duration.ofMillis(800);
        private Duration reconnectCapWhilePolling = Duration.ofSeconds(30);
        private Duration maintenanceTick = Duration.ofMillis(200);
        private Duration idleClose = Duration.ofSeconds(60);
        private int ioThreads = 8;
        private int listenerThreads = 2;

        private Builder() {
        }

        /**
         * When no event arrived for a prompt for this long while the socket is "up", check it over HTTP
         * (one shared {@code /queue}): covers deaf sockets. This never fails a prompt by itself. Default 30 s.
         */
        public Builder silenceReconcile(Duration d) {
            this.silenceReconcile = positive(d, "silenceReconcile");
            return this;
        }

        /** How often a {@code Heartbeat} event is emitted for a prompt with nothing new. Default 30 s. */
        public Builder heartbeat(Duration d) {
            this.heartbeat = positive(d, "heartbeat");
            return this;
        }

        /** Upper bound of the reconnect back-off while prompts are in flight. Default 800 ms. */
        public Builder reconnectCap(Duration d) {
            this.reconnectCap = positive(d, "reconnectCap");
            return this;
        }

        /**
         * Upper bound of the reconnect back-off once the first few quick attempts failed and polling carries the
         * prompts (a proxy that never upgrades is then asked a few times a minute). Default 30 s.
         */
        public Builder reconnectCapWhilePolling(Duration d) {
            this.reconnectCapWhilePolling = positive(d, "reconnectCapWhilePolling");
            return this;
        }

        /** How long a server's connection stays open with no prompt on it before it is closed. Default 60 s. */
        public Builder idleClose(Duration d) {
            this.idleClose = positive(d, "idleClose");
            return this;
        }

        /** Threads for blocking HTTP calls (submissions, reconciles, polling). Default 8. */
        public Builder ioThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("ioThreads must be at least 1, got " + n);
            }
            this.ioThreads = n;
            return this;
        }

        /** Threads that deliver events to listeners. Default 2. */
        public Builder listenerThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("listenerThreads must be at least 1, got " + n);
            }
            this.listenerThreads = n;
            return this;
        }

        public ComfyClient build() {
            return new ComfyClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
