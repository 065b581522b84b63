package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.fake.FakeComfyUI;
import java.util.List;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.CpsFlowExecution;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/** A controller restart in the middle of a run resumes the same prompt without a second POST /prompt. */
class ComfyRunRestartTest {
    @RegisterExtension
    static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    private FakeComfyUI fake;

    @BeforeEach
    void startFake() {
        fake = FakeServers.start();
        // long enough to span the restart, short enough to finish after it (virtual time, scale 50)
        fake.scenario().steps("KSampler", 2_000).stepsPerSecond("KSampler", 40);
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
            ((CpsFlowExecution) b.getExecution()).waitForSuspension();
        });
        sessions.then(j -> {
            WorkflowRun b = j.jenkins.getItemByFullName("p", WorkflowJob.class).getLastBuild();
            j.assertBuildStatusSuccess(j.waitForCompletion(b));
            j.assertLogContains("reattaching to prompt " + promptId[0], b);
            j.assertLogContains("done success " + promptId[0], b);
            assertThat(FakeServers.posts(fake, "/prompt")).hasSize(1);
        });
    }
}
