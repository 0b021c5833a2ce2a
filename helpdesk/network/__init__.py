"""The carrier's network: stations, couriers, lockers and pickup points, delivery windows with capacity."""
