"""Use cases: one public function each, one transaction each, shared by every way in."""
