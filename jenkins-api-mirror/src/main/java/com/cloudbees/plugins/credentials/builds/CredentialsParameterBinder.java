package com.cloudbees.plugins.credentials.builds;

import hudson.model.InvisibleAction;
import hudson.model.Run;

/**
 * Mirror of credentials-plugin {@code builds.CredentialsParameterBinder}: the run action holding the run's credentials
 * parameter bindings. The mirror has no {@code ParametersAction}, so a mirror run has no credentials parameters and a
 * binder made here binds nothing (its binding members are not mirrored).
 */
public final class CredentialsParameterBinder extends InvisibleAction {
    public static CredentialsParameterBinder getOrCreate(Run<?, ?> run) {
        // real getOrCreate: the run's binder, else a new one bound to the run's credentials parameter values (none:
        // the mirror has no ParametersAction) and added to the run's actions
        CredentialsParameterBinder binder = run.getAction(CredentialsParameterBinder.class);
        if (binder == null) {
            binder = new CredentialsParameterBinder();
            run.addAction(binder);
        }
        return binder;
    }
}
