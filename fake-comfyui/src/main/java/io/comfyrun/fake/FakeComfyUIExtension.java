package io.comfyrun.fake;

import io.comfyrun.fake.journal.Journal;
import io.comfyrun.fake.scenario.FaultControl;
import io.comfyrun.fake.scenario.Scenario;
import io.comfyrun.fake.scenario.ScenarioControl;
import java.net.URI;
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
 * cleared and the builder's scenario is loaded again, so tests do not leak faults into each other
 * (queue, history and cache are kept; call {@code fake().restart()} for a clean server).
 *
 * <pre>{@code
 * @RegisterExtension
 * static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().timeScale(100).build();
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

    private final FakeComfyUI.Builder builder;
    private final Scenario scenario;
    private FakeComfyUI fake;
    private boolean perClass;

    private FakeComfyUIExtension(Builder b) {
        this.builder = FakeComfyUI.builder().host(b.host).port(b.port).timeScale(b.timeScale).seed(b.seed)
                .previews(b.previews);
        this.scenario = b.scenario;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        fake = builder.start();
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
            fake = builder.start();
        }
        fake.scenario().reset();
        fake.journal().clear();
        if (scenario != null) {
            fake.scenario().load(scenario);
        }
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

    /** Options; the same as {@link FakeComfyUI.Builder}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private double timeScale = 100;
        private long seed = 0;
        private boolean previews = true;
        private Scenario scenario;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Default 100: a GPU-speed txt2img takes tens of milliseconds. */
        public Builder timeScale(double timeScale) {
            this.timeScale = timeScale;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder previews(boolean on) {
            this.previews = on;
            return this;
        }

        /** Loaded before every test. */
        public Builder scenario(Scenario scenario) {
            this.scenario = scenario;
            return this;
        }

        public FakeComfyUIExtension build() {
            return new FakeComfyUIExtension(this);
        }
    }
}
