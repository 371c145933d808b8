package org.vil4j.cli;

import org.vil4j.api.BackendChoice;
import jakarta.inject.Inject;
import org.vil4j.api.Backend;
import org.vil4j.api.DeviceInfo;
import org.vil4j.api.Plugins;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

/** Lists what each backend can run on and which backend/device 'auto' picks. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List OpenCL platforms/devices and the backend and device vil would use.")
final class DevicesCommand implements Callable<Integer> {
    private final Plugins plugins;

    @Inject
    DevicesCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() {
        for (Backend backend : plugins.backends().values()) {
            List<DeviceInfo> devices = backend.devices();
            System.out.println(backend.name() + ": " + (devices.isEmpty() ? "no devices" : devices.size()
                    + " device(s)"));
            for (DeviceInfo d : devices) {
                System.out.println("  " + d);
            }
        }
        Backend chosen = BackendChoice.auto(plugins);
        System.out.println("would use: backend " + chosen.name() + " on " + chosen.devices().get(0));
        return 0;
    }
}
