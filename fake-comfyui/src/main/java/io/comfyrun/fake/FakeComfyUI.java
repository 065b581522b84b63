package io.comfyrun.fake;

import io.comfyrun.fake.api.ApiRequest;
import io.comfyrun.fake.api.ComfyApi;
import io.comfyrun.fake.api.HttpReply;
import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.execution.NodeType;
import io.comfyrun.fake.execution.NodeTypes;
import io.comfyrun.fake.execution.PromptQueue;
import io.comfyrun.fake.execution.PromptWorker;
import io.comfyrun.fake.files.FileStore;
import io.comfyrun.fake.journal.Journal;
import io.comfyrun.fake.journal.JournalEntry.Kind;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.FaultControl;
import io.comfyrun.fake.scenario.Scenario;
import io.comfyrun.fake.scenario.ScenarioControl;
import io.comfyrun.fake.scenario.SeededRandom;
import io.comfyrun.fake.time.VirtualTime;
import io.comfyrun.fake.scenario.VersionProfile;
import io.comfyrun.fake.transport.FrontDoor;
import io.comfyrun.fake.transport.HttpExchange;
import io.comfyrun.fake.transport.NettyServer;
import io.comfyrun.fake.transport.ServerHandlers;
import io.comfyrun.fake.ws.ClientSocket;
import io.comfyrun.fake.ws.Sockets;
import io.comfyrun.fake.wire.WireFaults;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Fault.HttpFault;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A fake ComfyUI 0.3.64 server: the real HTTP and WebSocket protocol on a real socket, prompts
 * executed on virtual time, and scriptable faults.
 *
 * <pre>{@code
 * try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(50).seed(42).start()) {
 *     URI base = fake.baseUrl();                 // http://127.0.0.1:<port>
 *     fake.faults().executionErrorAt("3", "RuntimeException", "boom");
 *     ...
 *     fake.journal().requests("POST", "/prompt");
 * }
 * }</pre>
 */
public final class FakeComfyUI implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FakeComfyUI.class.getName());
    static final int MAX_UPLOAD_SIZE = 100 * 1024 * 1024;

    private final String host;
    private final ScheduledThreadPoolExecutor engine;
    private final Journal journal;
    private final SeededRandom random;
    private final VirtualTime time;
    private final FileStore files;
    private final boolean ownsDataDir;
    private final PromptQueue queue = new PromptQueue();
    private final Sockets sockets;
    private final FaultControl faults = new FaultControl();
    private final ScenarioControl scenario;
    private final PromptWorker worker;
    private final NodeCatalog catalog;
    private final ComfyApi api;
    private final NettyServer server;
    private final WireFaults wire;
    private final AdminRoutes admin = new AdminRoutes(this);
    private final VersionProfile version = new VersionProfile();
    private final FrontDoor door;

    private FakeComfyUI(Builder b) throws InterruptedException {
        this.host = b.host;
        this.engine = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fake-comfyui-engine");
            t.setDaemon(true);
            return t;
        });
        engine.setRemoveOnCancelPolicy(true);
        this.journal = new Journal(b.journalCapacity);
        this.random = new SeededRandom(b.seed);
        this.time = new VirtualTime(engine, b.timeScale);
        try {
            this.ownsDataDir = b.dataDir == null;
            this.files = new FileStore(b.dataDir != null ? b.dataDir : Files.createTempDirectory("fake-comfyui-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data folder for the fake server", e);
        }
        version.version(b.comfyuiVersion).jobsApi(b.jobsApi);
        this.door = new FrontDoor(b.basePath, b.authHeader, b.requireAuth);
        this.sockets = new Sockets(journal, MAX_UPLOAD_SIZE, version);
        this.scenario = new ScenarioControl(time, faults, sockets::setSameClientIdBug, b.seed, version);
        faults.onFire((f, detail) -> journal.fault(null, f.kind(), detail + " " + PythonJson.write(f.toJson())));
        this.wire = new WireFaults(faults, journal, time);
        wire.attach(sockets, this::restartFromEngine);
        sockets.setGate(wire);
        faults.onInstall(wire::installed);
        this.catalog = NodeCatalog.core(files);
        for (com.fasterxml.jackson.databind.JsonNode info : b.objectInfos) {
            catalog.importObjectInfo(info);
        }
        NodeTypes types = cls -> catalog.find(cls).map(d -> new NodeType(d.classType(), d.outputNode(),
                d.behaviour().name(), d.outputTypes()));
        this.worker = new PromptWorker(queue, sockets, files, types, scenario, time, random);
        worker.setReplays(b.replays);
        this.api = new ComfyApi(queue, worker, files, catalog, random, MAX_UPLOAD_SIZE, version);
        scenario.previews(b.previews);
        if (b.scenario != null) {
            scenario.load(b.scenario);
            version.version(b.comfyuiVersion).jobsApi(b.jobsApi); // builder calls after scenario(...) win
        }
        this.server = new NettyServer(host, b.port, new Handlers(), journal, door);
        journal.record(Kind.SERVER, null, null, null, 0, "started", baseUrl().toString());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code http://127.0.0.1:<port>} (or the host it was bound to), plus the base path if one is set. */
    public URI baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        if ("0.0.0.0".equals(host)) {
            h = "127.0.0.1";
        }
        return URI.create("http://" + h + ":" + server.port() + door.basePath());
    }

    /** The prefix every ComfyUI route is served under ({@code ""} at the root). */
    public String basePath() {
        return door.basePath();
    }

    /** {@code ws://.../ws?clientId=<clientId>}. */
    public URI wsUrl(String clientId) {
        return URI.create(baseUrl().toString().replaceFirst("^http", "ws") + "/ws?clientId=" + clientId);
    }

    public int port() {
        return server.port();
    }

    /** Whether the server still listens (false once {@link #close()} has run). */
    public boolean isRunning() {
        return server.isOpen();
    }

    public Journal journal() {
        return journal;
    }

    public ScenarioControl scenario() {
        return scenario;
    }

    public FaultControl faults() {
        return faults;
    }

    public long seed() {
        return random.seed();
    }

    /** The node classes this server offers; {@code register} adds custom ones at runtime. */
    public NodeCatalog catalog() {
        return catalog;
    }

    /**
     * Adds the node classes of a saved {@code GET /object_info} answer (a real server's, with its custom node packs)
     * that this server does not know; see {@link NodeCatalog#importObjectInfo}. Returns the classes added.
     */
    public java.util.List<String> importObjectInfo(com.fasterxml.jackson.databind.JsonNode objectInfo) {
        return catalog.importObjectInfo(objectInfo);
    }

    /** The folder holding {@code output}, {@code input} and {@code temp}. */
    public Path dataDir() {
        return files.root();
    }

    /** Sets the names listed in a model folder ({@code checkpoints}, {@code loras}...). */
    public FakeComfyUI models(String folder, java.util.List<String> names) {
        files.setModels(folder, names);
        return this;
    }

    /**
     * Drops the execution cache, as {@code POST /free {"free_memory": true}} does: the next prompt runs every node.
     * Queue and history are kept.
     */
    public void freeMemory() {
        onEngine(() -> {
            worker.freeMemory();
            return null;
        });
    }

    /**
     * A server restart: queue, history and cache are lost, every connection is dropped (no Close
     * frames), the port stays the same and new connections are accepted at once.
     */
    public void restart() {
        onEngine(() -> {
            wipeState();
            return null;
        });
        server.dropAllConnections();
    }

    /** The restart as the engine itself triggers it (faults, admin API): no waiting on the engine. */
    void restartFromEngine() {
        wipeState();
        Thread t = new Thread(server::dropAllConnections, "fake-comfyui-restart");
        t.setDaemon(true);
        t.start();
    }

    private void wipeState() {
        queue.wipe();
        worker.reset();
        sockets.removeAll();
        journal.record(Kind.SERVER, null, null, null, 0, "restart", "queue, history and cache lost");
    }

    Sockets sockets() {
        return sockets;
    }

    /** Runs {@code task} on the engine thread and waits for it (at most 10 s). */
    <T> T onEngine(Callable<T> task) {
        try {
            return engine.submit(task).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the fake server's engine", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("fake server engine task failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("fake server engine did not answer within 10 s", e);
        }
    }

    @Override
    public void close() {
        server.close();
        engine.shutdownNow();
        try {
            engine.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsDataDir) {
            deleteQuietly(files.root());
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not delete " + dir, e);
        }
    }

    private void engineRun(Runnable r) {
        try {
            engine.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "fake server engine task failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: nothing more to do
        }
    }

    /** The transport's entry points, all funnelled onto the engine thread. */
    private final class Handlers implements ServerHandlers {

        @Override
        public void http(HttpExchange ex) {
            engineRun(() -> {
                ApiRequest req = ex.request();
                if (AdminRoutes.isAdmin(req.path())) {
                    AdminRoutes.AdminReply a = admin.handle(req);
                    ex.respond(a.reply());
                    if (a.afterResponse() != null) {
                        time.after(0, a.afterResponse());
                    }
                    return;
                }
                Fault.Restart restartFault = faults.fireMatching(Fault.Restart.class,
                        f -> f.trigger().route() != null && f.trigger().matchesRoute(req.method(), req.route()),
                        req.method() + " " + req.route());
                if (restartFault != null) {
                    restartFromEngine();
                    return;
                }
                HttpFault fault = faults.httpFault(req.method(), req.route());
                if (fault != null) {
                    switch (fault.action()) {
                        case RESET -> {
                            ex.reset();
                            return;
                        }
                        case EMPTY -> {
                            ex.closeWithoutResponse();
                            return;
                        }
                        case STATUS -> {
                            int status = fault.status() == null ? 500 : fault.status();
                            HttpReply r = status == 500 ? HttpReply.serverError()
                                    : HttpReply.text(status, status + ": " + io.netty.handler.codec.http.HttpResponseStatus
                                            .valueOf(status).reasonPhrase());
                            journalResponse(req, r);
                            ex.respond(r);
                            return;
                        }
                        default -> {
                            // DELAY and TRUNCATE: the request is processed, only the answer suffers
                        }
                    }
                }
                HttpReply reply;
                try {
                    reply = api.handle(req);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "route failed: " + req.method() + " " + req.uri(), e);
                    reply = HttpReply.serverError();
                }
                HttpReply finalReply = reply;
                if (fault != null && fault.action() == Fault.HttpAction.TRUNCATE) {
                    journalResponse(req, reply);
                    ex.respondTruncated(reply, fault.bytes() == null ? reply.body().length / 2 : fault.bytes());
                } else if (fault != null && fault.action() == Fault.HttpAction.DELAY) {
                    // journalled when it is sent, so the journal shows what the client saw before the answer
                    time.after(fault.delayMs() == null ? 1000 : fault.delayMs(), () -> {
                        journalResponse(req, finalReply);
                        ex.respond(finalReply);
                    });
                } else {
                    journalResponse(req, reply);
                    ex.respond(reply);
                }
            });
        }

        @Override
        public Integer refuseUpgrade(ApiRequest request) {
            if (ComfyApi.originRejected(request)) {
                return 403;
            }
            String id = request.param("clientId");
            return wire.refuseUpgrade(id == null ? "" : id);
        }

        @Override
        public String sidFor(ApiRequest request) {
            String id = request.param("clientId");
            return id == null || id.isEmpty() ? random.uuid4Hex() : id;
        }

        @Override
        public void wsOpened(ClientSocket socket) {
            engineRun(() -> sockets.open(socket, worker.statusData(), worker.reconnectNode(socket.sid())));
        }

        @Override
        public void wsText(ClientSocket socket, String text) {
            engineRun(() -> sockets.received(socket, text));
        }

        @Override
        public void wsClosed(ClientSocket socket) {
            engineRun(() -> sockets.closed(socket));
        }
    }

    private void journalResponse(ApiRequest req, HttpReply reply) {
        journal.record(Kind.HTTP_RESPONSE, req.connection(), req.method(), req.uri(), reply.status(),
                reply.contentType(), reply.contentType() != null && reply.contentType().startsWith("application/json")
                        ? new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8)
                        : reply.body().length + " bytes");
    }

    /** Options of a fake server; {@link #start()} binds it. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private double timeScale = 1.0;
        private long seed = 0;
        private Scenario scenario;
        private Path dataDir;
        private boolean previews = true;
        private int journalCapacity = 200_000;
        private String comfyuiVersion = VersionProfile.DEFAULT_VERSION;
        private boolean jobsApi;
        private String basePath;
        private String requireAuth;
        private String authHeader;
        private final java.util.List<com.fasterxml.jackson.databind.JsonNode> objectInfos = new java.util.ArrayList<>();
        private io.comfyrun.fake.execution.ReplayScript.Source replays;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** 0 (the default) picks a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Virtual time runs this many times faster than real time (default 1). */
        public Builder timeScale(double timeScale) {
            this.timeScale = timeScale;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder scenario(Scenario scenario) {
            this.scenario = scenario;
            if (scenario.timeScale() != null) {
                this.timeScale = scenario.timeScale();
            }
            if (scenario.seed() != null) {
                this.seed = scenario.seed();
            }
            if (scenario.comfyuiVersion() != null) {
                comfyuiVersion(scenario.comfyuiVersion());
            }
            if (scenario.jobsApi() != null) {
                jobsApi(scenario.jobsApi());
            }
            if (scenario.basePath() != null) {
                basePath(scenario.basePath());
            }
            if (scenario.requireAuth() != null) {
                requireAuth(scenario.authHeader(), scenario.requireAuth());
            }
            return this;
        }

        /**
         * A scenario file. A session written by {@code fake-comfyui record} is one: its {@code object_info} is
         * imported ({@link #objectInfo(Path)}) and its {@code recordings} are replayed for the same workflows.
         */
        public Builder scenario(Path file) {
            scenario(Scenario.fromPath(file));
            com.fasterxml.jackson.databind.JsonNode n;
            try {
                n = PythonJson.parse(Files.readString(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read scenario file " + file, e);
            }
            try {
                if (n.hasNonNull("object_info")) {
                    objectInfo(n.get("object_info"));
                }
                if (n.hasNonNull("recordings")) {
                    this.replays = io.comfyrun.fake.record.RecordedSession.fromJson(n.get("recordings"));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scenario file " + file + ": " + e.getMessage(), e);
            }
            return this;
        }

        /** Where output/input/temp live; default a temporary folder deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Binary preview frames per sampler step (default on, like {@code --preview-method latent2rgb}). */
        public Builder previews(boolean on) {
            this.previews = on;
            return this;
        }

        /**
         * Behave like this ComfyUI release (protocol reference §10); default {@value VersionProfile#DEFAULT_VERSION}.
         * Below 0.3.45 a client {@code prompt_id} is ignored and there is no progress_state, feature_flags answer
         * or type-4 preview; below 0.3.57 {@code /interrupt} is always global.
         */
        public Builder comfyuiVersion(String version) {
            VersionProfile.parse(version);
            this.comfyuiVersion = version;
            return this;
        }

        /** Serve the jobs cancel API {@code POST /api/jobs/{id}/cancel} (default off). */
        public Builder jobsApi(boolean on) {
            this.jobsApi = on;
            return this;
        }

        /** Serve every route and {@code /ws} under this prefix only (e.g. {@code /comfy}), as behind a proxy. */
        public Builder basePath(String path) {
            this.basePath = FrontDoor.normaliseBasePathOrThrow(path);
            return this;
        }

        /** Answer 401 unless {@code Authorization} has exactly this value (HTTP and the WebSocket upgrade). */
        public Builder requireAuth(String exactValue) {
            return requireAuth(null, exactValue);
        }

        /** Answer 401 unless this header (null: {@code Authorization}) has exactly this value. */
        public Builder requireAuth(String header, String exactValue) {
            new FrontDoor(null, header, exactValue); // validates now, naming the option
            this.authHeader = header;
            this.requireAuth = exactValue;
            return this;
        }

        /**
         * Also offer the node classes of this saved {@code GET /object_info} answer (e.g. {@code curl
         * http://my-comfyui:8188/object_info > object_info.json}): custom nodes are then validated like core ones
         * and executed generically. Checked now, naming the class at fault.
         */
        public Builder objectInfo(com.fasterxml.jackson.databind.JsonNode objectInfo) {
            NodeCatalog.empty(io.comfyrun.fake.catalog.ServerFiles.defaults()).importObjectInfo(objectInfo);
            objectInfos.add(objectInfo.deepCopy());
            return this;
        }

        /** {@link #objectInfo(com.fasterxml.jackson.databind.JsonNode)} from a file. */
        public Builder objectInfo(Path file) {
            com.fasterxml.jackson.databind.JsonNode n;
            try {
                n = PythonJson.parse(Files.readString(file));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read object_info file " + file + ": " + e.getMessage(), e);
            }
            try {
                return objectInfo(n);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("object_info file " + file + ": " + e.getMessage(), e);
            }
        }

        public Builder journalCapacity(int entries) {
            this.journalCapacity = entries;
            return this;
        }

        public FakeComfyUI start() {
            try {
                return new FakeComfyUI(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while binding the fake server", e);
            }
        }
    }
}
