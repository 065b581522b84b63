package io.comfyrun.fake;

import io.comfyrun.fake.journal.Journal;
import io.comfyrun.fake.scenario.FaultControl;
import io.comfyrun.fake.scenario.Scenario;
import io.comfyrun.fake.scenario.ScenarioControl;
import java.net.URI;
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
 * Runs a {@link FakeComfyUI} for a JUnit 5 test class. As a static field it serves the whole class;
 * as an instance field, each test. Before each test the scenario and faults are reset, the journal is
 * cleared and the server's options as they were at start (time scale, previews, version, jobs API, and the timings
 * and faults of the builder's scenario) are restored, so tests do not leak faults or options into each other
 * (queue, history and cache are kept; call {@code fake().restart()} for a clean server).
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

    /** The extension's defaults: loopback, a free port, and time fast enough that a txt2img takes milliseconds. */
    public static final double DEFAULT_TIME_SCALE = 100;

    private final FakeComfyUI.Builder builder;
    private FakeComfyUI fake;
    /** The server's options and scripted timings/faults right after it started: what every test begins with. */
    private Scenario baseline;
    private boolean perClass;

    private FakeComfyUIExtension(FakeComfyUI.Builder builder) {
        this.builder = builder;
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
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (fake != null) {
            fake.close();
            fake = null;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (fake == null) {
            start();
        }
        fake.scenario().reset();
        fake.journal().clear();
        fake.scenario().load(baseline);
    }

    private void start() {
        fake = builder.start();
        baseline = fake.scenario().current();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass && fake != null) {
            fake.close();
            fake = null;
        }
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

        public Builder dataDir(Path dir) {
            server.dataDir(dir);
            return this;
        }

        /** Any other option of {@link FakeComfyUI.Builder}, applied now, after those set so far. */
        public Builder options(Consumer<FakeComfyUI.Builder> options) {
            options.accept(server);
            return this;
        }

        public FakeComfyUIExtension build() {
            return new FakeComfyUIExtension(server);
        }
    }
}
