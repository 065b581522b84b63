package org.jenkinsci.plugins.workflow.steps;

/** Mirror of workflow-step-api {@code BodyInvoker}: only needed as the return type of StepContext#newBodyInvoker. */
public abstract class BodyInvoker {
}
