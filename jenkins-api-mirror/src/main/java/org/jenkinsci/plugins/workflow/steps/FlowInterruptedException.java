package org.jenkinsci.plugins.workflow.steps;

import hudson.model.Result;
import java.util.Arrays;
import java.util.List;
import jenkins.model.CauseOfInterruption;

/** Mirror of workflow-step-api {@code FlowInterruptedException}: the usual cause given to stop() on abort. */
public final class FlowInterruptedException extends InterruptedException {
    private final Result result;
    private final List<CauseOfInterruption> causes;
    private final boolean actualInterruption;

    public FlowInterruptedException(Result result, CauseOfInterruption... causes) {
        this(result, true, causes);
    }

    public FlowInterruptedException(Result result, boolean actualInterruption, CauseOfInterruption... causes) {
        this.result = result;
        this.causes = Arrays.asList(causes);
        this.actualInterruption = actualInterruption;
    }

    public Result getResult() {
        return result;
    }

    public List<CauseOfInterruption> getCauses() {
        return causes;
    }

    public boolean isActualInterruption() {
        return actualInterruption;
    }

    private static final long serialVersionUID = 1L;
}
