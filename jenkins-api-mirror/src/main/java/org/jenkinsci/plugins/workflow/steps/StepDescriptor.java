package org.jenkinsci.plugins.workflow.steps;

import hudson.model.Descriptor;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/** Mirror of workflow-step-api {@code StepDescriptor} (members the plugin uses or overrides). */
public abstract class StepDescriptor extends Descriptor<Step> {
    protected StepDescriptor() {
        // real StepDescriptor(): Descriptor() (the enclosing Step class)
    }

    protected StepDescriptor(Class<? extends Step> clazz) {
        // real StepDescriptor(Class)
        super(clazz);
    }

    public abstract Set<? extends Class<?>> getRequiredContext();

    public abstract String getFunctionName();

    public Set<? extends Class<?>> getProvidedContext() {
        // real default: nothing provided to a body
        return Collections.emptySet();
    }

    public boolean takesImplicitBlockArgument() {
        // real default: false (no body)
        return false;
    }

    public boolean isAdvanced() {
        // real default: false
        return false;
    }

    public boolean isMetaStep() {
        // real default: false
        return false;
    }

    /** Real default: a summary of the arguments; {@code null} means "no label". */
    public String argumentsToString(Map<String, Object> namedArgs) {
        // real default: a single "interesting" argument's text, else null; the plugin overrides it
        throw new UnsupportedOperationException("mirror: StepDescriptor.argumentsToString default");
    }
}
