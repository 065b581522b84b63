package io.comfyrun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.QueueSnapshot;
import io.comfyrun.client.ResultMaps;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.TrackingMode;
import io.comfyrun.client.batch.Batch;
import io.comfyrun.client.batch.BatchJob;
import io.comfyrun.client.batch.BatchResult;
import io.comfyrun.client.batch.Chain;
import io.comfyrun.client.batch.JobResult;
import io.comfyrun.client.batch.OutputHandling;
import io.comfyrun.client.batch.PromptJob;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.pool.PooledJob;
import io.comfyrun.client.pool.ServerPool;
import io.comfyrun.client.files.LocalDirectorySink;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.log.LogFormat;
import io.comfyrun.client.progress.log.ProgressLog;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowOverrides;
import io.comfyrun.client.workflow.ui.LoadedWorkflow;
import io.comfyrun.client.workflow.ui.WorkflowFormat;
import io.comfyrun.fake.FakeComfyUI;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code comfyrun run}: run one workflow, a batch of them, or chains, and print the per-node log. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run ComfyUI workflows on a ComfyUI server and follow them node by node.",
            "A file saved from the editor (UI format) is converted with the server's node catalogue (GET /object_info); --set titles are the editor's.",
            "Several files run as a batch. A JSON file with a top-level \"steps\" array is a chain (see examples/workflows/chain.json):",
            "a chosen output image of each step is uploaded into a chosen input of the next."},
        footer = {"",
            "Exit codes: 0 success, 1 failed, 2 usage error or invalid workflow, 3 rejected by the server's validation,",
            "            4 server unreachable, 5 timed out, 6 interrupted or cancelled (Ctrl-C or SIGTERM cancels our prompt on the server;",
            "            a background job of a non-interactive shell ignores Ctrl-C: send it SIGTERM).",
            "Examples:",
            "  comfyrun run --fake examples/workflows/txt2img.json",
            "  comfyrun run --server http://gpu-1:8188 --set KSampler.seed=42 --set '\"Positive Prompt\".text=a red fox' wf.json",
            "  COMFY_TOKEN=... comfyrun run --server https://comfy.example/ --token-env COMFY_TOKEN --json wf.json"})
final class RunCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--server", paramLabel = "URL",
            description = {"ComfyUI base URL, may carry a sub-path (default: $COMFYUI_URL or http://127.0.0.1:8188).",
                "Repeat it to make a pool: each prompt goes to the server with the least work, by what their sockets report."})
    List<String> servers = new ArrayList<>();

    @Option(names = "--token-env", paramLabel = "VAR",
            description = "Name of an environment variable holding a bearer token (the token itself never goes on the command line).")
    String tokenEnv;

    @Option(names = "--ca-cert", paramLabel = "FILE",
            description = "PEM file with the CA or self-signed certificate(s) the https server's certificate must chain to; replaces the JVM trust store for this server.")
    Path caCert;

    @Option(names = "--set", paramLabel = "K=V",
            description = "Override an input: 3.seed=42 (node id), KSampler.seed=42 (unique class), \"Positive Prompt\".text=... (title). Repeatable; applies to every workflow, and to every chain step with that node input (a step's own \"set\" wins).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Directory for the outputs (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("comfyrun-out");

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationParser.class,
            description = "Give up on a prompt after this long overall, e.g. 90s, 10m, 2h (default: no limit).")
    Duration timeout;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = DurationParser.class,
            description = "How long to try to reach the server before giving up with exit code 4 (default: 30s, at most --timeout).")
    Duration connectTimeout;

    @Option(names = "--concurrency", paramLabel = "N", description = "Workflows in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 1;

    @Option(names = "--fail-fast", description = "Stop the batch at the first workflow that does not succeed (cancels the others' prompts).")
    boolean failFast;

    @Option(names = "--poll-only", description = "Track by polling /queue and /history only (no WebSocket).")
    boolean pollOnly;

    @Option(names = "--client-id", paramLabel = "ID", description = "WebSocket clientId to use (default: generated).")
    String clientId;

    @Option(names = "--json", description = "Print NDJSON: one object per event, then one \"result\" object.")
    boolean json;

    @Option(names = "--fake", description = "Start the embedded fake ComfyUI server and run against it (no GPU needed).")
    boolean fake;

    @Option(names = "--fake-time-scale", paramLabel = "X", hidden = true,
            description = "Virtual time speed-up of the embedded fake (tests).")
    double fakeTimeScale = 1.0;

    @Parameters(arity = "1..*", paramLabel = "WORKFLOW.json", description = "Workflow files as saved from the ComfyUI editor or in API format, or chain files.")
    List<Path> files = new ArrayList<>();

    /** Set by {@link ComfyRun}; streams and environment are injectable so tests run the CLI in-process. */
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    Map<String, String> env = System.getenv();
    boolean installShutdownHook;
    boolean liveConsole;

    @Override
    public Integer call() {
        List<Input> inputs;
        ServerAuth auth;
        try {
            inputs = readInputs();
            auth = auth();
            if (concurrency < 1) {
                throw new UsageException("--concurrency must be at least 1, got " + concurrency);
            }
        } catch (InvalidWorkflowException | UsageException e) {
            stderr.println("comfyrun: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        FakeComfyUI fakeServer = null;
        try {
            String url;
            if (fake) {
                fakeServer = FakeComfyUI.builder().port(0).timeScale(fakeTimeScale).start();
                url = fakeServer.baseUrl().toString();
                if (!json) {
                    stdout.println("[ComfyUI] started the embedded fake ComfyUI at " + url);
                }
            } else {
                url = !servers.isEmpty() ? servers.get(0) : env.getOrDefault("COMFYUI_URL", "http://127.0.0.1:8188");
            }
            ServerConfig config;
            List<ServerConfig> pool = new ArrayList<>();
            try {
                config = config(url, auth);
                if (!fake && servers.size() > 1) {
                    for (String each : servers) {
                        pool.add(config(each, auth));
                    }
                    if (inputs.stream().anyMatch(i -> i.chain() != null)) {
                        throw new UsageException("a chain runs on one server (each step needs the previous step's image there);"
                                + " give one --server for chain files, or run the chain once per server");
                    }
                }
            } catch (IllegalArgumentException | UsageException e) {
                stderr.println("comfyrun: " + e.getMessage());
                return ExitCode.USAGE.code();
            }
            return run(inputs, config, pool);
        } catch (Exception e) {
            stderr.println("comfyrun: " + e);
            return ExitCode.FAILED.code();
        } finally {
            if (fakeServer != null) {
                fakeServer.close();
            }
        }
    }

    private ServerConfig config(String url, ServerAuth auth) {
        ServerConfig config = ServerConfig.of(url).withAuth(auth)
                .withMode(pollOnly ? TrackingMode.POLL_ONLY : TrackingMode.AUTO);
        if (clientId != null) {
            config = config.withClientId(clientId);
        }
        if (caCert != null) {
            config = config.withTrustedCertificates(caCert);
        }
        return config;
    }

    /** A workflow or chain file, parsed and checked before anything is sent. */
    private record Input(String name, Workflow workflow, ChainFile chain, UiFormatFile ui) {
    }

    private List<Input> readInputs() {
        WorkflowOverrides sets = WorkflowOverrides.parse(overrides);
        List<Input> inputs = new ArrayList<>();
        Map<String, Integer> names = new LinkedHashMap<>();
        for (Path file : files) {
            String base = ChainFile.stripJson(file.getFileName().toString());
            int n = names.merge(base, 1, Integer::sum);
            String name = n == 1 ? base : base + "#" + n;
            JsonNode tree = null;
            try {
                if (Files.isRegularFile(file)) {
                    tree = ChainFile.readTree(file);
                }
            } catch (IOException | RuntimeException e) {
                // not JSON: Workflow.parse below reports it with line and column
            }
            if (ChainFile.isChain(tree)) {
                ChainFile chain = ChainFile.read(file, tree, sets);
                inputs.add(new Input(chain.name(), null, chain, null));
            } else {
                inputs.add(WorkflowFormat.detect(tree) == WorkflowFormat.UI
                        ? new Input(name, null, null, new UiFormatFile(file, tree, sets))
                        : new Input(name, Workflow.parse(file).with(sets), null, null));
            }
        }
        return inputs;
    }

    private ServerAuth auth() {
        if (tokenEnv == null) {
            return ServerAuth.none();
        }
        String token = env.get(tokenEnv);
        if (token == null || token.isBlank()) {
            throw new UsageException("--token-env " + tokenEnv + ": the environment variable " + tokenEnv + " is not set or empty");
        }
        return ServerAuth.bearer(token.strip());
    }

    private int run(List<Input> inputs, ServerConfig config, List<ServerConfig> poolMembers) throws InterruptedException {
        try {
            return runConverted(inputs, config, poolMembers);
        } catch (InvalidWorkflowException e) {
            stderr.println("comfyrun: " + e.getMessage());
            return ExitCode.USAGE.code();
        } catch (UiFormatFile.CatalogueUnavailable e) {
            stderr.println("comfyrun: " + e.getMessage());
            return ExitCode.UNREACHABLE.code();
        }
    }

    private int runConverted(List<Input> inputs, ServerConfig config, List<ServerConfig> poolMembers)
            throws InterruptedException, UiFormatFile.CatalogueUnavailable {
        ConsoleView console = new ConsoleView(stdout, liveConsole && !json);
        JsonEvents events = json ? new JsonEvents(stdout) : null;
        boolean single = inputs.size() == 1 && inputs.get(0).chain() == null;
        Deadlines deadlines = timeout == null ? Deadlines.DEFAULTS : Deadlines.DEFAULTS.withTotal(timeout);
        Duration connect = connectTimeout != null ? connectTimeout : deadlines.connect();
        if (timeout != null && connect.compareTo(timeout) > 0) {
            connect = timeout;
        }
        deadlines = deadlines.withConnect(connect);
        List<PromptHandle> handles = java.util.Collections.synchronizedList(new ArrayList<>());
        List<ProgressLog> logs = new ArrayList<>();
        ExecutorService io = Executors.newFixedThreadPool(2, named("comfyrun-io"));
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(named("comfyrun-ticker"));
        try (ComfyClient client = ComfyClient.create()) {
            OutputHandling outputs = OutputHandling.to(new LocalDirectorySink(out), io);
            ServerPool pool = poolMembers.isEmpty() ? null : CliPool.of(client, poolMembers);
            List<BatchJob> jobs = new ArrayList<>();
            for (Input input : inputs) {
                Workflow workflow = input.workflow();
                ObjectNode extraData = null;
                if (input.ui() != null) {
                    // converted once the server (and so its node catalogue) is known; a pool's members are
                    // expected to share one catalogue, so the first member's is used
                    LoadedWorkflow w = input.ui().convert(client, config, json ? stderr : stdout);
                    workflow = w.workflow();
                    extraData = w.extraData();
                }
                BatchJob job;
                if (input.chain() == null && pool != null) {
                    String prefix = single ? ProgressLog.PREFIX : "[ComfyUI " + input.name() + "] ";
                    job = new PooledJob(input.name(), pool, workflow, deadlines,
                            listener(single ? "" : input.name(), console, events, logs), CliPool.notes(prefix, console::line, json), outputs)
                            .withExtraData(extraData);
                } else if (input.chain() == null) {
                    job = new PromptJob(input.name(), client, config, workflow, deadlines,
                            listener(single ? "" : input.name(), console, events, logs), outputs, handles::add)
                            .withExtraData(extraData);
                } else {
                    job = new Chain(input.name(), client, config, input.chain().steps(), deadlines,
                            step -> listener(input.name() + "/" + step.name(), console, events, logs), outputs, handles::add);
                }
                // NDJSON reports files once, in the result object; the console prints them as each item ends
                jobs.add(events != null ? job : new ReportedJob(job, single ? ProgressLog.PREFIX : "[ComfyUI " + input.name() + "] ", console::line));
            }
            ticker.scheduleAtFixedRate(() -> {
                synchronized (logs) {
                    logs.forEach(ProgressLog::tick);
                }
            }, 1, 1, TimeUnit.SECONDS);
            Batch.BatchRun run = Batch.builder().maxConcurrency(concurrency).maxPerServer(concurrency)
                    .mode(failFast ? Batch.Mode.FAIL_FAST : Batch.Mode.KEEP_GOING).build().start(jobs);
            AtomicReference<Thread> hook = new AtomicReference<>();
            AtomicInteger cancelledBy = new AtomicInteger();
            if (installShutdownHook) {
                Thread t = new Thread(() -> onCtrlC(run, console, cancelledBy), "comfyrun-ctrl-c");
                hook.set(t);
                Runtime.getRuntime().addShutdownHook(t);
            }
            BatchResult result;
            try {
                result = run.result().get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("batch failed unexpectedly", e.getCause());
            } catch (InterruptedException e) {
                run.cancel();
                throw e;
            }
            if (hook.get() != null && cancelledBy.get() == 0) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook.get());
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C arrived just now: the hook owns the exit
                }
            }
            console.clearBar();
            cancelTimedOut(client, config, handles);
            int code = exitCode(result);
            report(result, code, console, events, single);
            return code;
        } finally {
            ticker.shutdownNow();
            io.shutdownNow();
        }
    }

    /**
     * A prompt that timed out may still be on the server. The engine cancels it, but asynchronously after the
     * result, so closing the client right away could cut that short: make sure here, touching only our own
     * prompt (removed if pending; interrupted by id, and only after /queue shows it is the one running).
     */
    private void cancelTimedOut(ComfyClient client, ServerConfig config, List<PromptHandle> handles) {
        List<String> ids = new ArrayList<>();
        synchronized (handles) {
            for (PromptHandle h : handles) {
                PromptResult r = h.result().getNow(null);
                if (r != null && r.outcome() == Outcome.TIMED_OUT) {
                    ids.add(h.promptId());
                }
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        try {
            var api = client.http(config);
            QueueSnapshot queue = api.queue();
            List<String> pending = ids.stream().filter(id -> queue.pendingPosition(id) > 0).toList();
            if (!pending.isEmpty()) {
                api.deleteFromQueue(pending);
            }
            for (String id : ids) {
                if (queue.isRunning(id)) {
                    api.interrupt(id);
                }
            }
        } catch (IOException | RuntimeException e) {
            stderr.println("comfyrun: could not confirm the cancel of the timed-out prompt(s) " + ids + ": " + e.getMessage());
        }
    }

    private ProgressListener listener(String name, ConsoleView console, JsonEvents events, List<ProgressLog> logs) {
        if (events != null) {
            return events.listener(name.isEmpty() ? "workflow" : name);
        }
        ProgressLog log = ProgressLog.builder(console::line)
                .prefix(name.isEmpty() ? ProgressLog.PREFIX : "[ComfyUI " + name + "] ").build();
        synchronized (logs) {
            logs.add(log);
        }
        ProgressListener bar = console.barListener(name.isEmpty() ? "" : name);
        return event -> {
            log.onEvent(event);
            bar.onEvent(event);
        };
    }

    /** Ctrl-C: cancel only our prompts on the server, wait briefly for the server to confirm, exit 6. */
    private void onCtrlC(Batch.BatchRun run, ConsoleView console, AtomicInteger cancelledBy) {
        if (run.result().isDone()) {
            return;
        }
        cancelledBy.incrementAndGet();
        console.line("[ComfyUI] interrupted: cancelling our prompt(s) on the server...");
        try {
            run.cancel().get(10, TimeUnit.SECONDS);
            run.result().get(10, TimeUnit.SECONDS);
            console.line("[ComfyUI] cancelled");
        } catch (TimeoutException | ExecutionException e) {
            console.line("[ComfyUI] could not confirm the cancel within 10 s: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stdout.flush();
        Runtime.getRuntime().halt(ExitCode.INTERRUPTED.code());
    }

    static int exitCode(BatchResult result) {
        for (JobResult job : result.jobs()) {
            if (!job.skipped() && !job.succeeded()) {
                return ExitCode.of(job.outcome()) == ExitCode.SUCCESS ? ExitCode.FAILED.code() : ExitCode.of(job.outcome()).code();
            }
        }
        return result.skipped() > 0 ? ExitCode.FAILED.code() : ExitCode.SUCCESS.code();
    }

    private void report(BatchResult result, int code, ConsoleView console, JsonEvents events, boolean single) {
        if (events != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("event", "result");
            m.put("exitCode", code);
            m.put("success", code == 0);
            List<Object> jobs = new ArrayList<>();
            for (JobResult job : result.jobs()) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("name", job.name());
                j.put("status", job.outcome() == null ? "skipped" : job.outcome().label());
                j.put("message", job.message());
                j.put("prompts", job.prompts().stream().map(p -> ResultMaps.toPlainMap(p, LogFormat.server(p.server()))).toList());
                j.put("files", job.files().stream().map(RunCommand::fileMap).toList());
                jobs.add(j);
            }
            m.put("jobs", jobs);
            events.write(m);
            return;
        }
        // saved lines and failures were printed as each job ended (ReportedJob); jobs never started are left
        for (JobResult job : result.jobs()) {
            if (job.skipped()) {
                console.line((single ? ProgressLog.PREFIX : "[ComfyUI " + job.name() + "] ") + job.message());
            }
        }
        if (result.jobs().size() > 1) {
            long ok = result.jobs().stream().filter(JobResult::succeeded).count();
            console.line("[ComfyUI] batch: " + ok + " of " + result.jobs().size() + " succeeded"
                    + (result.skipped() > 0 ? ", " + result.skipped() + " skipped" : "") + "; exit code " + code);
        }
    }

    private static Map<String, Object> fileMap(DownloadedFile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodeId", f.output().nodeId());
        m.put("path", f.location());
        m.put("bytes", f.bytes());
        m.put("error", f.error());
        return m;
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A command-line mistake: exit code 2 with this message. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
