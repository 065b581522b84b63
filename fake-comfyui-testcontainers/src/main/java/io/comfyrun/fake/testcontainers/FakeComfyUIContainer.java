package io.comfyrun.fake.testcontainers;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * fake-comfyui, the scriptable fake ComfyUI server, in a Docker container.
 *
 * <p>With no image given, the image is built locally from the standalone jar (see
 * {@link FakeComfyUIImage}): it needs a Docker engine but no registry. Users who built an image from
 * {@code fake-comfyui/Dockerfile}, or pulled one, pass its name instead.
 *
 * <pre>{@code
 * try (FakeComfyUIContainer fake = new FakeComfyUIContainer().withTimeScale(50).withSeed(42)) {
 *     fake.start();
 *     String base = fake.getBaseUrl();                 // http://localhost:49153
 *     String ws = fake.getWebSocketUrl("my-client");   // ws://localhost:49153/ws?clientId=my-client
 *     // admin API for faults and the journal: fake.getAdminUrl() + "/..."
 * }
 * }</pre>
 *
 * <p>Options are turned into the jar's command line ({@code --time-scale}, {@code --seed},
 * {@code --scenario}); scenario files are copied into the container, never bind-mounted, so no
 * helper image is needed.
 */
public class FakeComfyUIContainer extends GenericContainer<FakeComfyUIContainer> {

    /** The port the fake listens on inside the container (ComfyUI's default). */
    public static final int COMFYUI_PORT = 8188;
    /** Prefix of the fake's admin API (faults, timings, journal); cannot collide with a ComfyUI route. */
    public static final String ADMIN_PREFIX = "/__fake";

    private static final String SCENARIO_DIR = "/data/scenario/";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private Double timeScale;
    private Long seed;
    private Transferable scenario;
    private String scenarioFileName;
    private String comfyuiVersion;
    private boolean jobsApi;
    private String basePath = "";
    private String authHeader;
    private final List<String> extraArgs = new ArrayList<>();
    private final List<Transferable> objectInfos = new ArrayList<>();

    /**
     * Builds (or reuses) the image from the standalone jar found by {@link FakeComfyUIImage#locateJar()}.
     *
     * @throws FakeComfyUIImageException when the jar cannot be found
     */
    public FakeComfyUIContainer() {
        this(FakeComfyUIImage.locateJar());
    }

    /** Builds (or reuses) the image from this standalone jar when the container starts. */
    public FakeComfyUIContainer(Path standaloneJar) {
        super(FakeComfyUIImage.fromJar(Objects.requireNonNull(standaloneJar, "standaloneJar")));
        init();
    }

    /** Uses an image that exists already, e.g. {@code fake-comfyui:0.1.0} built from {@code fake-comfyui/Dockerfile}. */
    public FakeComfyUIContainer(String dockerImageName) {
        this(DockerImageName.parse(dockerImageName));
    }

    /**
     * Uses an image that exists already. Names other than {@code fake-comfyui[:tag]} must be declared
     * compatible: {@code DockerImageName.parse("me/fake:1").asCompatibleSubstituteFor("fake-comfyui")}.
     */
    public FakeComfyUIContainer(DockerImageName dockerImageName) {
        super(dockerImageName);
        dockerImageName.assertCompatibleWith(FakeComfyUIImage.DEFAULT_IMAGE_NAME);
        init();
    }

    private void init() {
        addExposedPorts(COMFYUI_PORT);
        // A scratch image has no shell, so the default port probe (which execs /bin/sh inside)
        // would report "started" before the server listens: ask the server itself. The admin health
        // route, not a ComfyUI one, because a scenario may script faults on every ComfyUI route.
        waitingFor(Wait.forHttp(ADMIN_PREFIX + "/health").forPort(COMFYUI_PORT).forStatusCode(200)
                .withStartupTimeout(STARTUP_TIMEOUT));
    }

    /**
     * Virtual time: every scripted duration is divided by this factor (100 makes a 2-hour training
     * run take 72 s). Must be positive.
     */
    public FakeComfyUIContainer withTimeScale(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("time scale must be a positive finite number, got " + factor);
        }
        this.timeScale = factor;
        return self();
    }

    /** Seed for every random choice the fake makes, so a run is reproducible. */
    public FakeComfyUIContainer withSeed(long seed) {
        this.seed = seed;
        return self();
    }

    /** A scenario in the fake's JSON scenario format, given as text. */
    public FakeComfyUIContainer withScenario(String scenarioJson) {
        Objects.requireNonNull(scenarioJson, "scenarioJson");
        if (scenarioJson.isBlank()) {
            throw new IllegalArgumentException("scenario JSON is empty");
        }
        this.scenario = Transferable.of(scenarioJson);
        this.scenarioFileName = "scenario.json";
        return self();
    }

    /** A scenario file (JSON or YAML, as the fake's {@code --scenario} accepts), copied into the container. */
    public FakeComfyUIContainer withScenario(Path scenarioFile) {
        Objects.requireNonNull(scenarioFile, "scenarioFile");
        if (!Files.isRegularFile(scenarioFile)) {
            throw new IllegalArgumentException("scenario file " + scenarioFile.toAbsolutePath() + " does not exist");
        }
        String name = scenarioFile.getFileName().toString().toLowerCase(Locale.ROOT);
        this.scenario = MountableFile.forHostPath(scenarioFile);
        this.scenarioFileName = name.endsWith(".yaml") || name.endsWith(".yml") ? "scenario.yaml" : "scenario.json";
        return self();
    }

    /**
     * A saved {@code GET /object_info} answer of a real ComfyUI (e.g. {@code curl http://comfy:8188/object_info >
     * object_info.json}): its custom node classes are offered, validated like core ones and run generically. May be
     * given several times; copied into the container and passed as {@code --object-info}.
     */
    public FakeComfyUIContainer withObjectInfo(Path objectInfoFile) {
        Objects.requireNonNull(objectInfoFile, "objectInfoFile");
        if (!Files.isRegularFile(objectInfoFile)) {
            throw new IllegalArgumentException("object_info file " + objectInfoFile.toAbsolutePath() + " does not exist");
        }
        objectInfos.add(MountableFile.forHostPath(objectInfoFile));
        return self();
    }

    /** Like {@link #withObjectInfo(Path)}, the saved answer given as JSON text. */
    public FakeComfyUIContainer withObjectInfo(String objectInfoJson) {
        Objects.requireNonNull(objectInfoJson, "objectInfoJson");
        if (objectInfoJson.isBlank()) {
            throw new IllegalArgumentException("object_info JSON is empty");
        }
        objectInfos.add(Transferable.of(objectInfoJson));
        return self();
    }

    /**
     * Behave like an older or newer ComfyUI release, e.g. {@code "0.3.44"} (server-chosen prompt ids, no
     * {@code progress_state}) or {@code "0.3.56"} (global {@code /interrupt}). Default: 0.3.64, the recorded one.
     */
    public FakeComfyUIContainer withComfyUIVersion(String version) {
        if (version == null || !version.matches("\\d+\\.\\d+\\.\\d+")) {
            throw new IllegalArgumentException("ComfyUI version must look like 0.3.64, got " + version);
        }
        this.comfyuiVersion = version;
        return self();
    }

    /** Serve the newer jobs cancel API ({@code POST /api/jobs/{id}/cancel}). */
    public FakeComfyUIContainer withJobsApi() {
        this.jobsApi = true;
        return self();
    }

    /**
     * Serve every ComfyUI route and the WebSocket under this path only, as behind a reverse proxy
     * ({@code "/comfy"}); {@link #getBaseUrl()} then includes it. The admin API stays at the root.
     */
    public FakeComfyUIContainer withBasePath(String path) {
        if (path == null || !path.startsWith("/") || path.endsWith("/") || path.contains("?")) {
            throw new IllegalArgumentException("base path must start with '/' and not end with one, e.g. /comfy; got "
                    + path);
        }
        this.basePath = path;
        return self();
    }

    /**
     * Answer 401 unless the {@code Authorization} header is exactly this value (e.g. {@code "Bearer s3cret"}), on
     * every HTTP request and the WebSocket upgrade. The value reaches the container through its environment, not
     * its command line, and the fake never journals it.
     */
    public FakeComfyUIContainer withRequiredAuth(String headerValue) {
        return withRequiredAuth("Authorization", headerValue);
    }

    /** Like {@link #withRequiredAuth(String)} for another header, e.g. {@code X-API-Key}. */
    public FakeComfyUIContainer withRequiredAuth(String headerName, String headerValue) {
        Objects.requireNonNull(headerName, "headerName");
        if (headerValue == null || headerValue.isEmpty()) {
            throw new IllegalArgumentException("the required " + headerName + " value is empty");
        }
        this.authHeader = headerName;
        withEnv("FAKE_COMFYUI_REQUIRE_AUTH", headerValue);
        return self();
    }

    /** Further options of the standalone jar, passed verbatim after the ones this class sets (see {@code --help}). */
    public FakeComfyUIContainer withFakeArgs(String... args) {
        for (String arg : args) {
            extraArgs.add(Objects.requireNonNull(arg, "fake argument"));
        }
        return self();
    }

    @Override
    protected void configure() {
        List<String> command = new ArrayList<>(List.of("--host", "0.0.0.0", "--port", String.valueOf(COMFYUI_PORT)));
        if (timeScale != null) {
            command.add("--time-scale");
            command.add(formatNumber(timeScale));
        }
        if (seed != null) {
            command.add("--seed");
            command.add(String.valueOf(seed));
        }
        if (scenario != null) {
            String inContainer = SCENARIO_DIR + scenarioFileName;
            withCopyToContainer(scenario, inContainer);
            command.add("--scenario");
            command.add(inContainer);
        }
        for (int i = 0; i < objectInfos.size(); i++) {
            String inContainer = SCENARIO_DIR + "object_info-" + i + ".json";
            withCopyToContainer(objectInfos.get(i), inContainer);
            command.add("--object-info");
            command.add(inContainer);
        }
        if (comfyuiVersion != null) {
            command.add("--comfyui-version");
            command.add(comfyuiVersion);
        }
        if (jobsApi) {
            command.add("--jobs-api");
        }
        if (!basePath.isEmpty()) {
            command.add("--base-path");
            command.add(basePath);
        }
        if (authHeader != null && !"Authorization".equalsIgnoreCase(authHeader)) {
            command.add("--auth-header");
            command.add(authHeader);
        }
        command.addAll(extraArgs);
        setCommand(command.toArray(String[]::new));
    }

    /**
     * Starts the container. Before the first start in this JVM, checks that Testcontainers will not need images this
     * Docker engine cannot pull (its Ryuk reaper, and the alpine probe inside a container), and fails at once naming
     * the environment variables to set if it would; see {@link FakeComfyUIEnvironmentException}.
     */
    @Override
    public void start() {
        TestcontainersPreflight.checkOnce();
        super.start();
    }

    /** The port the fake is reachable on from this host. */
    public int getPort() {
        return getMappedPort(COMFYUI_PORT);
    }

    /**
     * Base URL of the ComfyUI HTTP API, e.g. {@code http://localhost:49153} (no trailing slash), with the
     * {@linkplain #withBasePath(String) base path} when one is set.
     */
    public String getBaseUrl() {
        return "http://" + getHost() + ":" + getPort() + basePath;
    }

    /** The ComfyUI WebSocket endpoint without a client id, e.g. {@code ws://localhost:49153/ws}. */
    public String getWebSocketUrl() {
        return "ws://" + getHost() + ":" + getPort() + basePath + "/ws";
    }

    /** The ComfyUI WebSocket endpoint for this client id, e.g. {@code ws://localhost:49153/ws?clientId=abc}. */
    public String getWebSocketUrl(String clientId) {
        return getWebSocketUrl() + "?clientId=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8);
    }

    /** Base URL of the fake's admin API (faults, timings, journal), e.g. {@code http://localhost:49153/__fake}. */
    public String getAdminUrl() {
        return "http://" + getHost() + ":" + getPort() + ADMIN_PREFIX;
    }

    private static String formatNumber(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value) : String.valueOf(value);
    }
}
