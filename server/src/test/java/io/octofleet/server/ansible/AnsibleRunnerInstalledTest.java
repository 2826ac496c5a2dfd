package io.octofleet.server.ansible;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class AnsibleRunnerInstalledTest {
    @TempDir
    Path tmp;

    @Test
    void findsAnExecutableAnsibleRunnerInThePathOnly() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(plain.resolve("ansible-runner"), "not executable");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path runner = Files.writeString(bin.resolve("ansible-runner"), "#!/bin/sh\n");
        assertThat(runner.toFile().setExecutable(true)).isTrue();

        assertThat(AnsibleRunnerInstalled.find(empty + ":" + plain)).isEmpty();
        assertThat(AnsibleRunnerInstalled.find(empty + "::" + plain + ":" + bin)).contains(runner);
        assertThat(AnsibleRunnerInstalled.find("")).isEmpty();
        assertThat(AnsibleRunnerInstalled.find(null)).isEmpty();
    }
}
