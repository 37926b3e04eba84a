"""Desktop app (PySide6 + pyqtgraph): dockable views of one open project's loss landscape.

Views share one :class:`~lmapp.gui.core.selection.SelectionModel`; jobs run off the GUI thread and
the GUI pulls their progress and the project's minima on timers (never from worker threads).
"""
