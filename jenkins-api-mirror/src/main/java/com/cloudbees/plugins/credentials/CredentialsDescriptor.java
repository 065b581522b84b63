package com.cloudbees.plugins.credentials;

import hudson.model.Descriptor;

/**
 * Mirror of credentials-plugin {@code CredentialsDescriptor} (real also implements IconSpec, which the mirror lacks,
 * and has form and scope members the plugin does not use). Providers offer a credentials type only when a
 * descriptor of an implementation of that type is registered ({@link CredentialsProvider#isApplicable(Class)}).
 */
public abstract class CredentialsDescriptor extends Descriptor<Credentials> {
    protected CredentialsDescriptor(Class<? extends Credentials> clazz) {
        // real CredentialsDescriptor(Class): Descriptor(Class)
        super(clazz);
    }

    protected CredentialsDescriptor() {
        // real CredentialsDescriptor(): Descriptor() (the enclosing class is the credentials class)
        super();
    }

    public boolean isApplicable(CredentialsProvider provider) {
        // real isApplicable(CredentialsProvider): true unless overridden
        return true;
    }
}
