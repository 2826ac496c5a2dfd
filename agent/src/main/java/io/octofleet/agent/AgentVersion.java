package io.octofleet.agent;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The agent's version, filtered into octofleet-agent.properties by the build. */
public final class AgentVersion implements CommandLine.IVersionProvider {
    public static String current() {
        try (InputStream in = AgentVersion.class.getResourceAsStream("/octofleet-agent.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "dev");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"octofleet-agent " + current()};
    }
}
