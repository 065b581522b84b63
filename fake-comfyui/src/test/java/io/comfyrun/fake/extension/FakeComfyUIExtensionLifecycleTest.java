package io.comfyrun.fake.extension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.comfyrun.fake.FakeComfyUI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The extension's lifecycle as JUnit drives it in a user's build: the scenario classes of {@link ExtensionScenarios}
 * are run through the JUnit launcher and their results read back.
 */
class FakeComfyUIExtensionLifecycleTest {

    /** Test display name to its result, for one launcher run. */
    private final Map<String, TestExecutionResult> results = new ConcurrentHashMap<>();

    @BeforeEach
    void clear() {
        ExtensionScenarios.SEEN.clear();
    }

    private void run(Class<?> testClass) {
        Launcher launcher = LauncherFactory.create();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest()) {
                            results.put(id.getDisplayName(), result);
                        }
                    }
                });
    }

    @Test
    void aFaultInstalledInTheSecondTestOfTheSameWorkflowFiresBecauseEachTestStartsWithAnEmptyCache() {
        run(ExtensionScenarios.SameWorkflowTwice.class);
        assertThat(results).hasSize(2);
        results.forEach((test, r) -> assertThat(r.getStatus()).as(test + ": " + r.getThrowable().orElse(null))
                .isEqualTo(TestExecutionResult.Status.SUCCESSFUL));
    }

    @Test
    void aFaultThatNeverFiredFailsTheTestThatInstalledItNamingTheFault() {
        run(ExtensionScenarios.KeptCacheHidesTheFault.class);
        assertThat(results.get("firstRunSucceeds()").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        TestExecutionResult second = results.get("secondRunInstallsAFaultThatCannotFire()");
        assertThat(second.getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(second.getThrowable().orElseThrow()).isInstanceOf(AssertionError.class)
                .hasMessageContaining("a fault this test installed never fired")
                .hasMessageContaining("\"kind\": \"execution_error\"")
                .hasMessageContaining("\"node_id\": \"3\"")
                .hasMessageContaining("UnfiredFaults.WARN");
    }

    @Test
    void nestedClassesShareTheOuterServerAndEveryServerStartedIsClosed() {
        run(ExtensionScenarios.Outer.class);
        assertThat(results).hasSize(4);
        results.forEach((test, r) -> assertThat(r.getStatus()).as(test + ": " + r.getThrowable().orElse(null))
                .isEqualTo(TestExecutionResult.Status.SUCCESSFUL));
        List<FakeComfyUI> seen = new ArrayList<>(ExtensionScenarios.SEEN);
        assertThat(seen).hasSize(4);
        assertThat(seen.stream().distinct()).as("one server for the class and its @Nested classes").hasSize(1);
        assertClosed(seen);
    }

    @Test
    void anInstanceExtensionWithANestedClassClosesEveryServerItStarted() {
        run(ExtensionScenarios.PerTestOuter.class);
        assertThat(results).hasSize(2);
        results.forEach((test, r) -> assertThat(r.getStatus()).as(test + ": " + r.getThrowable().orElse(null))
                .isEqualTo(TestExecutionResult.Status.SUCCESSFUL));
        assertClosed(new ArrayList<>(ExtensionScenarios.SEEN));
    }

    private static void assertClosed(List<FakeComfyUI> servers) {
        for (FakeComfyUI s : servers.stream().distinct().toList()) {
            assertThat(s.isRunning()).as("server on port " + s.port() + " closed after the run").isFalse();
        }
    }
}
