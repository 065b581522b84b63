package io.comfyrun.fake;

import io.comfyrun.fake.journal.Journal;
import io.comfyrun.fake.scenario.FaultControl;
import io.comfyrun.fake.scenario.Scenario;
import io.comfyrun.fake.scenario.ScenarioControl;
import io.comfyrun.fake.json.PythonJson;
import java.net.URI;
import java.util.List;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs a {@link FakeComfyUI} for a JUnit 5 test class. As a static field it serves the whole class (and its
 * {@code @Nested} classes, which share it); as an instance field, each test. Before each test the scenario and faults
 * are reset, the journal is cleared and the server's options as they were at start (time scale, previews, version,
 * jobs API, and the timings and faults of the builder's scenario) are restored, so tests do not leak faults or
 * options into each other.
 *
 * <p>Between tests the execution cache is dropped by default ({@link Isolation#FRESH_CACHE}): a test that posts the
 * same workflow as the one before it runs every node again, so a fault it installs at a node can fire. Queue and
 * history are kept; {@link Isolation#RESTART} drops them too, {@link Isolation#KEEP_CACHE} keeps the cache.
 *
 * <p>A fault a test installed that never fired fails that test at its end ({@link UnfiredFaults#FAIL}, the default):
 * a fault that did not fire means the test did not test what it says. {@link UnfiredFaults#WARN} only prints it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().timeScale(100).build();
 *
 * // any option of FakeComfyUI.Builder:
 * @RegisterExtension
 * static FakeComfyUIExtension old = FakeComfyUIExtension.with(b -> b.comfyuiVersion("0.3.44").basePath("/comfy"));
 *
 * @Test void runs(FakeComfyUI server) {
 *     fake.faults().executionErrorAt("3", "RuntimeException", "boom");
 *     ... client against fake.baseUrl() ...
 *     assertThat(fake.journal().requests("POST", "/prompt")).hasSize(1);
 * }
 * }</pre>
 */
public final class FakeComfyUIExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {

    private static final System.Logger LOG = System.getLogger(FakeComfyUIExtension.class.getName());

    /** The extension's defaults: loopback, a free port, and time fast enough that a txt2img takes milliseconds. */
    public static final double DEFAULT_TIME_SCALE = 100;

    /** What of the server's state one test leaves to the next (options, faults and journal are always reset). */
    public enum Isolation {
        /** Default: the execution cache is dropped before each test (as {@code POST /free {"free_memory": true}}). */
        FRESH_CACHE,
        /** The cache is kept: a workflow posted again is served from it, so faults at its nodes never fire. */
        KEEP_CACHE,
        /** A server restart before each test: queue, history and cache lost, every connection dropped. */
        RESTART
    }

    /** What happens when a fault a test installed has not fired by the end of the test. */
    public enum UnfiredFaults {
        /** Default: the test fails, naming the fault. */
        FAIL,
        /** A warning on standard error and the log; the test's own result stands. */
        WARN,
        /** Nothing. */
        IGNORE
    }

    private final FakeComfyUI.Builder builder;
    private final Isolation isolation;
    private final UnfiredFaults unfiredFaults;
    // JUnit calls the callbacks of one extension from one thread at a time (no parallel execution inside a class
    // that shares a server), so these fields need no lock.
    private FakeComfyUI fake;
    /** The server's options and scripted timings/faults right after it started: what every test begins with. */
    private Scenario baseline;
    /** The class context that started a per-class server; only its afterAll closes it (not a @Nested one's). */
    private Object owner;
    private boolean perClass;
    /** Faults with an id above this were installed by the running test. */
    private long faultsBefore;

    private FakeComfyUIExtension(FakeComfyUI.Builder builder, Isolation isolation, UnfiredFaults unfiredFaults) {
        this.builder = builder;
        this.isolation = isolation;
        this.unfiredFaults = unfiredFaults;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * An extension whose server has the extension's defaults (loopback, free port, time scale
     * {@value FakeComfyUIExtension#DEFAULT_TIME_SCALE}) changed by {@code options}, which may set anything
     * {@link FakeComfyUI.Builder} offers: {@code comfyuiVersion}, {@code jobsApi}, {@code basePath},
     * {@code requireAuth}, {@code scenario}, {@code seed}, {@code timeScale}, {@code dataDir}...
     */
    public static FakeComfyUIExtension with(Consumer<FakeComfyUI.Builder> options) {
        return builder().options(options).build();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (perClass && fake != null) {
            // a @Nested class: it inherits the enclosing class's extension and shares its server
            return;
        }
        perClass = true;
        owner = context == null ? this : context.getUniqueId();
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Object closing = context == null ? this : context.getUniqueId();
        if (fake != null && closing.equals(owner)) {
            fake.close();
            fake = null;
            owner = null;
            perClass = false;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (fake == null) {
            start();
        } else {
            switch (isolation) {
                case FRESH_CACHE -> fake.freeMemory();
                case RESTART -> fake.restart();
                case KEEP_CACHE -> { }
            }
        }
        fake.scenario().reset();
        fake.journal().clear();
        fake.scenario().load(baseline);
        faultsBefore = fake.faults().lastId();
    }

    private void start() {
        fake = builder.start();
        baseline = fake.scenario().current();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            checkFaultsFired(context);
        } finally {
            if (!perClass && fake != null) {
                fake.close();
                fake = null;
            }
        }
    }

    private void checkFaultsFired(ExtensionContext context) {
        if (fake == null || unfiredFaults == UnfiredFaults.IGNORE) {
            return;
        }
        List<FaultControl.Installed> unfired = fake.faults().list().stream()
                .filter(i -> i.id() > faultsBefore && i.fired() == 0).toList();
        if (unfired.isEmpty()) {
            return;
        }
        StringBuilder m = new StringBuilder();
        m.append(unfired.size() == 1 ? "a fault this test installed never fired: " : unfired.size()
                + " faults this test installed never fired: ");
        for (FaultControl.Installed i : unfired) {
            m.append("\n  #").append(i.id()).append(' ').append(PythonJson.write(i.fault().toJson()));
        }
        m.append("\nIts trigger matched nothing the test made the server do (a node served from the cache does not "
                + "execute; check node_id, route and on_event). Fix the trigger, remove the fault, or declare the "
                + "extension with unfiredFaults(UnfiredFaults.WARN).");
        if (unfiredFaults == UnfiredFaults.WARN) {
            String test = context == null ? "a test" : context.getDisplayName();
            System.err.println("[fake-comfyui] WARNING in " + test + ": " + m);
            LOG.log(System.Logger.Level.WARNING, test + ": " + m);
            return;
        }
        if (context != null && context.getExecutionException().isPresent()) {
            return; // the test failed already; its own failure is the one to read
        }
        throw new AssertionError(m.toString());
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == FakeComfyUI.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return fake();
    }

    public FakeComfyUI fake() {
        if (fake == null) {
            throw new IllegalStateException("the fake ComfyUI server is not running: register the extension with "
                    + "@RegisterExtension and use it inside a test");
        }
        return fake;
    }

    public URI baseUrl() {
        return fake().baseUrl();
    }

    public URI wsUrl(String clientId) {
        return fake().wsUrl(clientId);
    }

    public Journal journal() {
        return fake().journal();
    }

    public FaultControl faults() {
        return fake().faults();
    }

    public ScenarioControl scenario() {
        return fake().scenario();
    }

    /**
     * Options of the extension's server: those of {@link FakeComfyUI.Builder}, with a time scale of
     * {@value FakeComfyUIExtension#DEFAULT_TIME_SCALE} by default. Each option is checked when it is set, so a bad
     * value fails where the extension is declared, naming the option.
     */
    public static final class Builder {
        private final FakeComfyUI.Builder server = FakeComfyUI.builder().host("127.0.0.1").port(0)
                .timeScale(DEFAULT_TIME_SCALE);
        private Isolation isolation = Isolation.FRESH_CACHE;
        private UnfiredFaults unfiredFaults = UnfiredFaults.FAIL;

        public Builder host(String host) {
            server.host(host);
            return this;
        }

        public Builder port(int port) {
            server.port(port);
            return this;
        }

        /** Default {@value FakeComfyUIExtension#DEFAULT_TIME_SCALE}: a GPU-speed txt2img takes tens of milliseconds. */
        public Builder timeScale(double timeScale) {
            server.timeScale(timeScale);
            return this;
        }

        public Builder seed(long seed) {
            server.seed(seed);
            return this;
        }

        public Builder previews(boolean on) {
            server.previews(on);
            return this;
        }

        /** Applied at start and again before every test; its options (version, base path, auth...) apply too. */
        public Builder scenario(Scenario scenario) {
            server.scenario(Objects.requireNonNull(scenario, "scenario"));
            return this;
        }

        public Builder scenario(Path file) {
            server.scenario(file);
            return this;
        }

        /** See {@link FakeComfyUI.Builder#comfyuiVersion}, e.g. {@code "0.3.44"} for a server choosing prompt ids. */
        public Builder comfyuiVersion(String version) {
            server.comfyuiVersion(version);
            return this;
        }

        public Builder jobsApi(boolean on) {
            server.jobsApi(on);
            return this;
        }

        /** Serve everything under this prefix (e.g. {@code /comfy}); {@link #baseUrl()} then ends with it. */
        public Builder basePath(String path) {
            server.basePath(path);
            return this;
        }

        public Builder requireAuth(String exactValue) {
            server.requireAuth(exactValue);
            return this;
        }

        public Builder requireAuth(String header, String exactValue) {
            server.requireAuth(header, exactValue);
            return this;
        }

        /** See {@link FakeComfyUI.Builder#objectInfo(Path)}: custom node classes from a saved /object_info. */
        public Builder objectInfo(Path file) {
            server.objectInfo(file);
            return this;
        }

        public Builder objectInfo(com.fasterxml.jackson.databind.JsonNode objectInfo) {
            server.objectInfo(objectInfo);
            return this;
        }

        public Builder dataDir(Path dir) {
            server.dataDir(dir);
            return this;
        }

        /** Any other option of {@link FakeComfyUI.Builder}, applied now, after those set so far. */
        public Builder options(Consumer<FakeComfyUI.Builder> options) {
            options.accept(server);
            return this;
        }

        /** What one test leaves to the next; default {@link Isolation#FRESH_CACHE}. */
        public Builder isolation(Isolation isolation) {
            this.isolation = Objects.requireNonNull(isolation, "isolation");
            return this;
        }

        /** What a fault installed by a test that never fired does; default {@link UnfiredFaults#FAIL}. */
        public Builder unfiredFaults(UnfiredFaults policy) {
            this.unfiredFaults = Objects.requireNonNull(policy, "unfiredFaults");
            return this;
        }

        public FakeComfyUIExtension build() {
            return new FakeComfyUIExtension(server, isolation, unfiredFaults);
        }
    }
}
