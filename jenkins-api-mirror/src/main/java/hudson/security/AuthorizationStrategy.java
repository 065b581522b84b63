package hudson.security;

import hudson.ExtensionPoint;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Job;
import java.io.Serializable;

/** Mirror of jenkins-core {@code hudson.security.AuthorizationStrategy} (members the mirror's Jenkins uses). */
public abstract class AuthorizationStrategy extends AbstractDescribableImpl<AuthorizationStrategy> implements ExtensionPoint {
    public abstract ACL getRootACL();

    public ACL getACL(Job<?, ?> project) {
        // real getACL(Job): the root ACL unless overridden
        return getRootACL();
    }

    /** Real {@code UNSECURED}: everyone may do everything. */
    public static final AuthorizationStrategy UNSECURED = new Unsecured();

    public static final class Unsecured extends AuthorizationStrategy implements Serializable {
        private static final ACL UNSECURED_ACL = ACL.lambda2((a, p) -> true);

        @Override
        public ACL getRootACL() {
            // real Unsecured.getRootACL: an ACL granting every permission
            return UNSECURED_ACL;
        }

        private static final long serialVersionUID = 1L;
    }
}
