package io.comfyrun.fake;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar fake-comfyui.jar --port 8188}: the fake server as a standalone process. */
@Command(name = "fake-comfyui", mixinStandardHelpOptions = true, version = "fake-comfyui 0.1.0 (ComfyUI 0.3.64 protocol)",
        description = {
            "A faithful, scriptable fake ComfyUI server (HTTP + WebSocket) for testing ComfyUI clients.",
            "Prints one line 'fake-comfyui listening on http://HOST:PORT' when ready and serves until stopped.",
            "Admin API (scenario, faults, journal, restart) under http://HOST:PORT/__fake/ ; see docs/fake-comfyui.md."},
        sortOptions = false, subcommands = RecordCommand.class)
public final class Main implements Callable<Integer> {

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = 8188;

    @Option(names = "--scenario", paramLabel = "FILE",
            description = {"Scenario JSON file: time scale, seed, node timings, faults; or a session written by",
                "'record', whose object_info is imported and whose recorded runs are replayed."})
    Path scenario;

    @Option(names = "--object-info", paramLabel = "FILE",
            description = {"A saved GET /object_info answer of a real ComfyUI (repeatable): its custom node classes are",
                "validated like core ones and executed generically (image outputs are PNGs, output nodes write files)."})
    java.util.List<Path> objectInfo = new java.util.ArrayList<>();

    @Option(names = "--time-scale", paramLabel = "X",
            description = "Virtual time runs X times faster than real time (default: 1, GPU-like speed).")
    Double timeScale;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for every random choice (default: 0).")
    Long seed;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder for output/, input/ and temp/ (default: a temporary folder).")
    Path dataDir;

    @Option(names = "--preview-method", paramLabel = "METHOD",
            description = "'none' disables binary preview frames; anything else enables them (default: latent2rgb).")
    String previewMethod = "latent2rgb";

    @Option(names = "--journal-frames", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Record every WebSocket frame in the journal (default: on; --no-journal-frames for load tests).")
    boolean journalFrames = true;

    @Option(names = "--comfyui-version", paramLabel = "VERSION",
            description = {"Behave like this ComfyUI release (default: 0.3.64). Below 0.3.45: client prompt_id ignored,",
                "no progress_state, no feature_flags answer, no type-4 previews; below 0.3.57: /interrupt is global."})
    String comfyuiVersion;

    @Option(names = "--jobs-api", description = "Serve POST /api/jobs/{id}/cancel (newer ComfyUI; default: off).")
    boolean jobsApi;

    @Option(names = "--base-path", paramLabel = "PATH",
            description = "Serve every route and /ws under PATH only (e.g. /comfy), as behind a reverse proxy.")
    String basePath;

    @Option(names = "--require-auth", paramLabel = "VALUE",
            description = {"Answer 401 unless the auth header has exactly VALUE (e.g. 'Bearer s3cret'), on every",
                "HTTP request and the WebSocket upgrade. The value is never journalled. Also: env FAKE_COMFYUI_REQUIRE_AUTH."})
    String requireAuth;

    @Option(names = "--auth-header", paramLabel = "NAME",
            description = "Header that --require-auth checks (default: Authorization), e.g. X-API-Key.")
    String authHeader;

    @Override
    public Integer call() throws InterruptedException {
        FakeComfyUI.Builder b = FakeComfyUI.builder().host(host).port(port)
                .previews(!"none".equalsIgnoreCase(previewMethod));
        if (scenario != null) {
            b.scenario(scenario);
        }
        for (Path file : objectInfo) {
            b.objectInfo(file);
        }
        if (comfyuiVersion != null) {
            b.comfyuiVersion(comfyuiVersion);
        }
        if (jobsApi) {
            b.jobsApi(true);
        }
        if (basePath != null) {
            b.basePath(basePath);
        }
        String auth = requireAuth != null ? requireAuth : System.getenv("FAKE_COMFYUI_REQUIRE_AUTH");
        if (auth != null) {
            b.requireAuth(authHeader, auth);
        }
        if (timeScale != null) {
            b.timeScale(timeScale);
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (dataDir != null) {
            b.dataDir(dataDir);
        }
        FakeComfyUI fake = b.start();
        fake.journal().recordFrames(journalFrames);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fake.close();
            stopped.countDown();
        }, "fake-comfyui-shutdown"));
        System.out.println("fake-comfyui listening on " + fake.baseUrl());
        System.out.flush();
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println("fake-comfyui: " + ex.getMessage());
            return 2;
        });
        int code = cl.execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
