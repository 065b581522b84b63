package jenkins.model;

import hudson.security.ACL;
import hudson.security.AccessControlled;
import hudson.security.Permission;
import io.comfyrun.mirror.MirrorJenkins;
import org.springframework.security.core.Authentication;

/**
 * Mirror of jenkins-core {@code jenkins.model.Jenkins} (members the plugin uses). {@link #get()} returns one
 * in-memory instance whose ACL is {@link MirrorJenkins#rootAcl()}; the current authentication is SYSTEM2.
 */
public class Jenkins implements AccessControlled {
    public static final Permission ADMINISTER = new Permission("hudson.model.Hudson.Administer");
    public static final Permission MANAGE = new Permission("hudson.model.Hudson.Manage");
    public static final Permission READ = new Permission("hudson.model.Hudson.Read");
    public static final Permission SYSTEM_READ = new Permission("hudson.model.Hudson.SystemRead");

    private static final Jenkins INSTANCE = new Jenkins();

    private Jenkins() {
    }

    public static Jenkins get() throws IllegalStateException {
        return INSTANCE;
    }

    public static Jenkins getInstanceOrNull() {
        return INSTANCE;
    }

    public static Authentication getAuthentication2() {
        return ACL.SYSTEM2;
    }

    @Override
    public ACL getACL() {
        return MirrorJenkins.rootAcl();
    }

    public String getRootUrl() {
        return "http://localhost:8080/jenkins/";
    }
}
