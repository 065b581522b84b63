package io.comfyrun.reliability;

import io.comfyrun.cli.ComfyRun;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ResultMaps;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.files.LocalDirectorySink;
import io.comfyrun.client.files.OutputDownloader;
import io.comfyrun.client.progress.log.ProgressLog;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Fault.HttpAction;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.Trigger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With a bearer token and with basic auth, runs prompts through success, failure, rejection, faults, an
 * unreachable server, a redirect, a cancel and the CLI, and scans everything produced for the secret: every log
 * record of every logger (JUL, where System.Logger, OkHttp and Netty land, at ALL), every exception message and
 * stack trace, every event, result and result map, the progress-log console lines, the fake's journal export
 * ({@code GET /__fake/journal}) and the CLI's stdout/stderr. A relay in front of the fake proves the secret did
 * go on the wire to the configured server.
 */
class SecretsTest {

    private static final List<String> LOG_LINES = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            LOG_LINES.add(describe(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static Level savedLevel;
    private static final List<String> REPORT = new CopyOnWriteArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void captureAllLogs() {
        Logger root = Logger.getLogger("");
        savedLevel = root.getLevel();
        root.setLevel(Level.ALL);
        root.addHandler(CAPTURE);
    }

    @AfterAll
    static void restoreLogs() {
        Logger root = Logger.getLogger("");
        root.removeHandler(CAPTURE);
        root.setLevel(savedLevel);
        ReliabilityDoc.writeSection(ReliabilityDoc.SECRETS, """
                Run by `SecretsTest`, once with a bearer token and once with basic auth (random secrets each run).
                Scanned for the secret (and for its base64 `user:password` form): every log record of every logger at
                level ALL (System.Logger, OkHttp and Netty all land in java.util.logging), every exception message
                and stack trace, every progress event, result and result map (`ResultMaps.toPlainMap`), the
                progress-log console lines, the fake's journal export (`GET /__fake/journal`: the fake records
                request lines and bodies, never headers, so there is nothing to redact) and the CLI's stdout and
                stderr (`--token-env`). Scenarios: success with downloads, a node failure tracked by polling, a
                rejected workflow, a WebSocket reset and a 503 on submit, a cancel, an unreachable server and a
                redirect to another host. A relay in front of the fake checks that the secret did reach the
                configured server. Then a subset of the fault matrix (`ws_rst`, `http_status 503`, `http_reset`
                and `restart` rows, alternate phases per mode) is re-run with the
                credential configured, scanning the same logs plus each row's result, result map, progress, notes,
                errors and the fake's journal. Seeded chaos schedules are re-run with a credential by
                `SecretsUnderChaosTest` (table below). The plugin's build-page model (every public getter of `ComfyRunAction`
                and of its node, output and error rows) is scanned by the plugin's `ComfyRunExecutionTest`, with a
                bearer token and with basic auth.

                | auth | texts scanned | log records | times the secret reached the configured server | hits |
                |---|---|---|---|---|
                """ + String.join("\n", REPORT) + "\n");
    }

    /** Matrix rows re-run with a credential: transport, HTTP and restart faults, every phase kind, both modes. */
    static List<MatrixCase> matrixSubset() {
        return FaultMatrixTest.cases().stream().filter(c -> switch (c.faultLabel()) {
            case "ws_rst", "http_status 503", "http_reset", "restart" -> true;
            default -> false;
        }).filter(c -> c.phase().ordinal() % 2 == (c.mode() == MatrixCase.Mode.POLLING ? 1 : 0)).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bearer", "basic"})
    void noSecretUnderTheFaultMatrix(String kind) {
        TestCredential credential = TestCredential.of(kind);
        String secret = credential.secret();
        ServerAuth auth = credential.auth();
        List<String> forms = credential.forms();
        int logStart = LOG_LINES.size();
        List<String> texts = new ArrayList<>();
        List<MatrixCase> cases = matrixSubset();
        int failed = 0;
        for (MatrixCase c : cases) {
            CaseRunner.Report r = CaseRunner.run(c, 5000 + cases.indexOf(c), auth, CaseRunner.clientFor(c));
            texts.addAll(r.texts());
            failed += r.pass() ? 0 : 1;
        }
        List<String> logs = List.copyOf(LOG_LINES.subList(logStart, LOG_LINES.size()));
        int hits = 0;
        for (String t : concat(texts, logs)) {
            hits += count(t, secret, forms);
        }
        REPORT.add("| " + kind + " under " + cases.size() + " matrix rows (" + (cases.size() - failed) + " passed) | "
                + texts.size() + " | " + logs.size() + " | - | " + hits + " |");
        assertThat(hits).as("secret hits under matrix faults").isZero();
        assertThat(failed).as("matrix rows failing with a credential configured").isZero();
        assertThat(logs).as("the run logged something to scan").isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bearer", "basic"})
    void noSecretAnywhere(String kind) throws Exception {
        TestCredential credential = TestCredential.of(kind);
        String secret = credential.secret();
        ServerAuth auth = credential.auth();
        List<String> forms = credential.forms();
        int logStart = LOG_LINES.size();
        List<String> texts = new ArrayList<>();
        int reachedServer;
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(CaseRunner.TIME_SCALE).seed(5).start();
             TcpRelay relay = TcpRelay.plain(fake.baseUrl());
             ComfyClient client = CaseRunner.newClient()) {
            ServerConfig base = CaseRunner.serverConfig(fake, false);
            ServerConfig ws = new ServerConfig(URI.create("http://127.0.0.1:" + relay.port() + "/"), auth, null,
                    base.timeouts(), null, null, null);
            ServerConfig polling = CaseRunner.serverConfig(fake, true).withAuth(auth);
            polling = new ServerConfig(ws.baseUrl(), auth, null, base.timeouts(), polling.mode(), polling.pollMin(),
                    polling.pollMax());
            texts.add(ws.toString());
            texts.add(auth.toString());

            // success over the WebSocket with downloads, a WebSocket reset and a 503 on the POST on the way
            fake.faults().add(CaseRunner.http(Trigger.onRoute("POST", "/prompt"), HttpAction.STATUS));
            fake.faults().add(CaseRunner.ws(Trigger.onEvent("progress", 2), WsAction.RST, null));
            PromptResult ok = run(client, ws, Workflows.txt2img(21, 4), texts);
            List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(client.http(ws), ok.outputs(),
                    new LocalDirectorySink(tmp.resolve("out")));
            files.forEach(f -> texts.add(f.toString()));
            // a node failure followed by polling
            fake.faults().add(new Fault.ExecutionError(Trigger.atNode("8"), 1, "RuntimeException", "VAE exploded"));
            run(client, polling, Workflows.txt2img(22, 4), texts);
            // a rejected workflow
            var bad = Workflows.txt2img(23, 4);
            ((com.fasterxml.jackson.databind.node.ObjectNode) bad.get("3")).put("class_type", "NoSuchSampler");
            run(client, ws, bad, texts);
            // a cancel while running
            PromptHandle h = client.submit(ws, PromptRequest.of(Workflows.txt2img(24, 400)), events(texts));
            CaseRunner.waitFor(() -> h.progress().phase() == io.comfyrun.client.progress.PromptPhase.RUNNING,
                    Duration.ofSeconds(10));
            h.cancel().get(10, TimeUnit.SECONDS);
            texts.add(h.result().get(30, TimeUnit.SECONDS).toString());
            texts.add(h.snapshot().toString());
            client.servers().connections().forEach(c -> texts.add(c.toString()));
            // the journal export, as a user of the jar or container fetches it
            texts.add(client.http(base).getJson("__fake/journal").toString());
            reachedServer = count(relay.clientBytes(), secret, forms);

            // an unreachable server and a redirect to another host
            try (HostileHttpServer other = HostileHttpServer.recording();
                 HostileHttpServer redirecting = HostileHttpServer.redirectingTo(other.baseUrl())) {
                ServerConfig redirected = new ServerConfig(redirecting.baseUrl(), auth, null, base.timeouts(), null, null, null);
                run(client, redirected, Workflows.txt2img(25, 4), texts, Deadlines.DEFAULTS
                        .withConnect(Duration.ofSeconds(2)).withSubmit(Duration.ofSeconds(3)).withTotal(Duration.ofSeconds(5)));
                other.requests().forEach(texts::add);
            }
            ServerConfig dead = new ServerConfig(URI.create("http://127.0.0.1:9/"), auth, null, base.timeouts(), null, null, null);
            run(client, dead, Workflows.txt2img(26, 4), texts, Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(2)));
        }
        if (kind.equals("bearer")) {
            texts.add(runCli(secret, tmp));
        }
        List<String> logs = new ArrayList<>(LOG_LINES.subList(logStart, LOG_LINES.size()));
        int hits = 0;
        List<String> where = new ArrayList<>();
        for (String t : concat(texts, logs)) {
            int n = count(t, secret, forms);
            if (n > 0) {
                hits += n;
                where.add(t.length() > 300 ? t.substring(0, 300) + "…" : t);
            }
        }
        REPORT.add("| " + kind + " | " + texts.size() + " | " + logs.size() + " | " + reachedServer + " | " + hits + " |");
        assertThat(reachedServer).as("the secret was sent to the configured server (the test is meaningful)").isPositive();
        assertThat(logs).as("log records were captured").isNotEmpty();
        assertThat(where).as("texts holding the secret").isEmpty();
    }

    private static PromptResult run(ComfyClient client, ServerConfig server, com.fasterxml.jackson.databind.node.ObjectNode wf,
                                    List<String> texts) throws Exception {
        return run(client, server, wf, texts, Deadlines.DEFAULTS);
    }

    private static PromptResult run(ComfyClient client, ServerConfig server, com.fasterxml.jackson.databind.node.ObjectNode wf,
                                    List<String> texts, Deadlines deadlines) throws Exception {
        PromptResult r = client.submit(server, PromptRequest.of(wf).withDeadlines(deadlines), events(texts)).result()
                .get(30, TimeUnit.SECONDS);
        texts.add(r.toString());
        texts.add(String.valueOf(ResultMaps.toPlainMap(r)));
        r.errors().forEach(e -> texts.add(e.describe()));
        return r;
    }

    /** Every event's toString and the console lines the progress log would print. */
    private static io.comfyrun.client.progress.ProgressListener events(List<String> texts) {
        List<String> sink = new CopyOnWriteArrayList<>();
        ProgressLog console = ProgressLog.to(sink::add);
        return e -> {
            synchronized (texts) {
                texts.add(e.toString());
            }
            console.onEvent(e);
            synchronized (texts) {
                texts.addAll(sink);
                sink.clear();
            }
        };
    }

    /** The CLI against a fake, token from the environment, human and JSON output; returns stdout + stderr. */
    private static String runCli(String secret, Path dir) throws Exception {
        StringBuilder all = new StringBuilder();
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(CaseRunner.TIME_SCALE).start()) {
            Path wf = dir.resolve("wf.json");
            Files.writeString(wf, Workflows.txt2img(31, 3).toString());
            Path bad = dir.resolve("bad.json");
            Files.writeString(bad, "{\"1\": {\"class_type\": \"Nope\", \"inputs\": {}}}");
            for (List<String> extra : List.<List<String>>of(List.of(), List.of("--json"), List.of("--poll-only"))) {
                for (Path file : List.of(wf, bad)) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    ByteArrayOutputStream err = new ByteArrayOutputStream();
                    List<String> args = new ArrayList<>(List.of("run", "--server", fake.baseUrl().toString(),
                            "--token-env", "COMFY_TOKEN", "--out", dir.resolve("cli-out").toString()));
                    args.addAll(extra);
                    args.add(file.toString());
                    ComfyRun.execute(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                            new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("COMFY_TOKEN", secret), false, false);
                    all.append(out.toString(StandardCharsets.UTF_8)).append(err.toString(StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(all).as("the CLI printed something").isNotEmpty();
        return all.toString();
    }

    /** A log record as everything it could leak: logger, level, message, every parameter and the stack trace. */
    static String describe(LogRecord r) {
        StringBuilder b = new StringBuilder(r.getLoggerName() + " " + r.getLevel() + " " + r.getMessage());
        if (r.getParameters() != null) {
            for (Object p : r.getParameters()) {
                b.append(' ').append(p);
            }
        }
        if (r.getThrown() != null) {
            b.append(' ').append(stackTrace(r.getThrown()));
        }
        return b.toString();
    }

    static int count(String text, String secret, List<String> forms) {
        int n = 0;
        for (String f : forms) {
            int i = 0;
            while ((i = text.indexOf(f, i)) >= 0) {
                n++;
                i += f.length();
            }
        }
        return n;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
