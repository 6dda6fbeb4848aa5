// Starts Kassa's code once the page is on screen. The page is rendered on
// the server, readable and with working forms, before any of this runs, so
// on a slow link the bundle must not hold up the stylesheet and the first
// paint: it is not preloaded, and fetched only after that paint.
(function (bundles) {
	let started = false;
	// An island's name in the split manifest: "Till_123…" in the page is
	// "till", "TodaysPayments_456…" is "todays_payments".
	const nameOf = (island) =>
		island.dataset.component
			.replace(/_\d+$/, "")
			.replace(/(?<!^)[A-Z]/g, (letter) => "_" + letter)
			.toLowerCase();
	// The bundle that carries an island (the kiosk's is a bundle of its own,
	// the seller's screens share one); one that no bundle names (a bundle
	// the server could not read) is left to the first.
	const bundleOf = (island) => bundles.find((bundle) => nameOf(island) in bundle.islands) ?? bundles[0];
	const hydrate = async (app, islands) => {
		app.hydrate();
		for (const island of islands) {
			const name = island.dataset.component;
			try {
				if (!app[name]) throw new Error("the bundle has no code for it");
				await app[name](island);
			} catch (error) {
				console.error(`Kassa could not start ${name}: the screen shows but does not work`, error);
			}
		}
	};
	const load = (bundle, islands) => {
		// The wasm downloads while the (small) script module loads, and the
		// chunks of the page's islands with it: the bundle would ask for them
		// only once it is in and running. Read whole, they wait in the HTTP
		// cache (their names carry their content's hash) for the bundle to ask.
		const code = fetch(bundle.wasm);
		for (const chunk of new Set(islands.flatMap((island) => bundle.islands[nameOf(island)] ?? []))) {
			fetch(chunk).then((answer) => answer.arrayBuffer()).catch(() => {});
		}
		import(bundle.script)
			.then((app) => app.default({ module_or_path: code }).then(() => app))
			// Hydrating in a task of its own keeps each of the two shorter, so
			// a tap meanwhile waits less. Only the page's islands hydrate, each
			// by the function it is named after (which loads its chunks).
			.then((app) => setTimeout(() => hydrate(app, islands), 0))
			.catch((error) => console.error("Kassa could not load its code; the page works as plain HTML", error));
	};
	// A page loads only the bundles its islands come from: none for a page
	// without islands.
	const start = () => {
		if (started) return;
		started = true;
		const islands = [...document.querySelectorAll("leptos-island")];
		for (const bundle of new Set(islands.map(bundleOf))) {
			if (bundle) load(bundle, islands.filter((island) => bundleOf(island) === bundle));
		}
	};
	// Once the browser reports the first paint of content (a frame's own
	// callbacks run before it is shown: too early).
	const paint = "first-contentful-paint";
	if (globalThis.PerformanceObserver?.supportedEntryTypes?.includes("paint")) {
		new PerformanceObserver((entries, observer) => {
			if (entries.getEntriesByName(paint).length) {
				observer.disconnect();
				start();
			}
		}).observe({ type: "paint", buffered: true });
	}
	// Backstop: a browser that reports no paints, or a page opened in a
	// hidden tab (not painted until it is shown).
	setTimeout(start, 3000);
})
