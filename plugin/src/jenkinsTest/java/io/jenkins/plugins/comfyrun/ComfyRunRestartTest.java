package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyrun.fake.FakeComfyUI;
import java.time.Duration;
import java.util.List;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.CpsFlowExecution;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.junit.jupiter.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/**
 * A controller restart in the middle of a run resumes the same prompt without a second POST /prompt.
 *
 * <p>Not racy: the sampler is made long enough (20,000 steps at one step per virtual second: 400 s of real time at
 * scale 50) that the prompt is certainly still running across the restart; the test checks that the fake really runs
 * it before restarting and again after the step has reattached, and only then speeds the fake's clock up so the
 * remaining steps finish in well under a second.
 */
class ComfyRunRestartTest {
    private static final Duration DEADLINE = Duration.ofMinutes(3);

    @RegisterExtension
    static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    private FakeComfyUI fake;

    @BeforeEach
    void startFake() {
        fake = FakeServers.start();
        fake.scenario().steps("KSampler", 20_000).stepsPerSecond("KSampler", 1);
    }

    @AfterEach
    void stopFake() {
        fake.close();
    }

    @Test
    void resumesWithoutResubmitting() throws Throwable {
        String url = fake.baseUrl().toString();
        String[] promptId = new String[1];
        sessions.then(j -> {
            ComfyGlobalConfiguration.get().setServers(List.of(new ComfyServer("fake", url)));
            WorkflowJob p = j.createProject(WorkflowJob.class, "p");
            p.setDefinition(new CpsFlowDefinition("def r = comfyRun(server: 'fake', workflow: " + FakeServers.txt2imgLiteral()
                    + ")\necho \"done ${r.status} ${r.promptId}\"", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            j.waitForMessage("node 3 KSampler", b);
            promptId[0] = b.getAction(ComfyRunAction.class).getPromptId();
            await().atMost(DEADLINE).until(() -> FakeServers.isRunning(fake, promptId[0]));
            ((CpsFlowExecution) b.getExecution()).waitForSuspension();
        });
        // between the sessions Jenkins is down; the fake keeps sampling our prompt
        assertThat(FakeServers.isRunning(fake, promptId[0])).as("still running across the restart").isTrue();
        sessions.then(j -> {
            WorkflowRun b = j.jenkins.getItemByFullName("p", WorkflowJob.class).getLastBuild();
            j.waitForMessage("reattaching to prompt " + promptId[0], b);
            assertThat(FakeServers.isRunning(fake, promptId[0])).as("the resumed step follows a prompt that is still running").isTrue();
            fake.scenario().timeScale(50_000); // let the remaining steps run out quickly
            j.assertBuildStatusSuccess(j.waitForCompletion(b));
            j.assertLogContains("done success " + promptId[0], b);
            assertThat(FakeServers.posts(fake, "/prompt")).as("exactly one submission, before the restart").hasSize(1);
        });
    }

    /**
     * Jenkins stops while the output downloads (the /view answer is held back): the step is not failed by the
     * shutdown; after the restart it resumes inside node {} (its workspace comes back with the node) and saves the PNG.
     */
    @Test
    void aRestartWhileAnOutputDownloadsResumesAndSavesIt() throws Throwable {
        String url = fake.baseUrl().toString();
        fake.scenario().steps("KSampler", 20).stepsPerSecond("KSampler", 1000);
        fake.faults().httpDelay(io.comfyrun.fake.scenario.Trigger.onRoute("GET", "/view"), 100_000_000);
        sessions.then(j -> {
            ComfyGlobalConfiguration.get().setServers(List.of(new ComfyServer("fake", url)));
            WorkflowJob p = j.createProject(WorkflowJob.class, "p");
            p.setDefinition(new CpsFlowDefinition("node {\n  def r = comfyRun(server: 'fake', workflow: " + FakeServers.txt2imgLiteral()
                    + ")\n  echo \"done ${r.status} ${r.outputs[0].path}\"\n}", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            await().atMost(DEADLINE).until(() -> !fake.journal().requests("GET", "/view").isEmpty());
            ((CpsFlowExecution) b.getExecution()).waitForSuspension();
        });
        fake.faults().clear();
        sessions.then(j -> {
            WorkflowJob p = j.jenkins.getItemByFullName("p", WorkflowJob.class);
            WorkflowRun b = p.getLastBuild();
            j.assertBuildStatusSuccess(j.waitForCompletion(b));
            j.assertLogContains("done success comfyui-out/", b);
            j.assertLogNotContains("could not be saved", b);
            assertThat(j.jenkins.getWorkspaceFor(p).child("comfyui-out").list()).hasSize(1);
            assertThat(FakeServers.posts(fake, "/prompt")).as("exactly one submission, before the restart").hasSize(1);
        });
    }
}
